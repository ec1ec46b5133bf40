#!/usr/bin/python3
"""A next hop that refuses some recipients: a minimal SMTP server on
127.0.0.1:PORT answering 451 to RCPT TO for any address containing one of
the REFUSE words, and recording each message it takes as one line of
JSON ({"rcpts": [...], "size": N}) in LOG.

  picky_hop.py PORT LOG REFUSE...
"""
import json
import socket
import sys
import threading


def serve(conn, log, refuse):
    f = conn.makefile("rb")
    out = conn.makefile("wb")

    def say(line):
        out.write(line.encode() + b"\r\n")
        out.flush()

    say("220 picky.test ESMTP")
    rcpts = []
    for raw in f:
        cmd = raw.decode("ascii", "replace").strip()
        verb = cmd[:4].upper()
        if verb in ("EHLO", "HELO"):
            say("250 picky.test")
        elif verb == "MAIL":
            rcpts = []
            say("250 2.1.0 Ok")
        elif verb == "RCPT":
            addr = cmd[8:].strip().strip("<>")
            if any(w in addr for w in refuse):
                say("451 4.7.1 <%s>: try again later" % addr)
            else:
                rcpts.append(addr)
                say("250 2.1.5 Ok")
        elif verb == "DATA":
            if not rcpts:
                say("554 5.5.1 no valid recipients")
                continue
            say("354 go ahead")
            size = 0
            for line in f:
                if line in (b".\r\n", b".\n"):
                    break
                size += len(line)
            with open(log, "a") as lf:
                lf.write(json.dumps({"rcpts": rcpts, "size": size}) + "\n")
            say("250 2.0.0 Ok: taken")
        elif verb == "RSET":
            rcpts = []
            say("250 2.0.0 Ok")
        elif verb == "QUIT":
            say("221 2.0.0 Bye")
            break
        else:
            say("250 2.0.0 Ok")
    conn.close()


def main():
    port, log, refuse = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, log, refuse), daemon=True).start()


if __name__ == "__main__":
    main()
