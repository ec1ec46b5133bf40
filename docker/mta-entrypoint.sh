#!/bin/sh
# The mta image's two roles (MTA_ROLE):
#   internet  Postfix on port 25 for the internet, handing every message to
#             mugai before it is queued (etc/postfix/master.cf.before-queue,
#             smtpd_proxy_filter = $MUGAI_ADDR); mugai relays to the LGWAN MTA
#   lgwan     a stand-in LGWAN-side MTA: Postfix's smtp-sink keeps every
#             message it is given in /var/mail/lgwan (one file each)
set -eu
role=${MTA_ROLE:-internet}
case $role in
internet)
	mugai=${MUGAI_ADDR:-mugai:2525}
	postconf -e "maillog_file = /dev/stdout" "inet_protocols = ipv4" \
		"myhostname = ${MTA_HOSTNAME:-mx.example.lg.jp}" "mydestination =" \
		"local_recipient_maps =" "local_transport = error:5.1.1 no local delivery" \
		"relay_domains = ${RELAY_DOMAINS:-example.lg.jp}" "mynetworks = 127.0.0.0/8" \
		"smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
		"message_size_limit = 52428800" "smtputf8_enable = no"
	# the shipped before-queue listener in place of the stock smtp one
	postconf -MX smtp/inet
	sed "s/127.0.0.1:10025/$mugai/" /usr/share/doc/mugai/postfix/master.cf.before-queue \
		>>/etc/postfix/master.cf
	exec postfix start-fg
	;;
lgwan)
	mkdir -p /var/mail/lgwan
	chown postfix /var/mail/lgwan
	exec smtp-sink -u postfix -d "/var/mail/lgwan/%Y%m%d/%H%M%S." 0.0.0.0:25 100
	;;
*)
	echo "MTA_ROLE must be internet or lgwan" >&2
	exit 1
	;;
esac
