# make install: the programs, the configuration, the systemd unit, the
# Postfix snippets and the documentation, in the GNU directories (with
# prefix /usr the configuration goes to /etc/mugai).  `make deb` builds the
# Debian package from debian/ (scripts/deb.sh).
include(GNUInstallDirs)
set(MUGAI_SYSTEMD_UNITDIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
  CACHE PATH "where the systemd unit is installed")

install(TARGETS mugaid RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS mugai RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS mugai-worker RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/mugai)
install(FILES etc/mugai.conf DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/mugai)
install(FILES etc/mugaid.service DESTINATION ${MUGAI_SYSTEMD_UNITDIR})
install(DIRECTORY etc/postfix DESTINATION ${CMAKE_INSTALL_DATADIR}/mugai)
# daemon.directory of the shipped configuration (the package makes it in
# its postinst instead, owned by the user mugai)
option(MUGAI_INSTALL_STATEDIR "make install creates /var/lib/mugai" ON)
if(MUGAI_INSTALL_STATEDIR)
  install(DIRECTORY DESTINATION ${CMAKE_INSTALL_FULL_LOCALSTATEDIR}/lib/mugai
    DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
endif()
file(GLOB _man_pages ${PROJECT_SOURCE_DIR}/man/*.[0-9])
foreach(_page ${_man_pages})
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" _section ${_page})
  install(FILES ${_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section})
endforeach()

add_custom_target(deb
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/deb.sh ${PROJECT_BINARY_DIR}/deb
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "Debian package (dpkg-buildpackage, then lintian)"
  USES_TERMINAL)
