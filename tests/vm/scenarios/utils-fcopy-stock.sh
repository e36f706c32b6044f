# kernels: 6.12
# kernels-long: debug
# timeout: 600
# fcopy (guest services, Copy-VMFile) with Debian's stock hv_fcopy_daemon
# (hyperv-daemons) over our hv_utils and hv_sim's host end: files arrive
# byte for byte with the daemon's mode, the copy flags (OVER_WRITE,
# CREATE_PATH) behave as the daemon implements them, a cancelled copy
# leaves nothing behind, names travel as UTF-16 and back, and a missing,
# stopped or killed daemon, or a rescinded device, fails the host's
# request instead of hanging it. The checks are in tests/vm/lib-fcopy.sh,
# shared with daemon-fcopy (ours).

# shellcheck source=tests/vm/lib-fcopy.sh
. "$HVG_SRC/tests/vm/lib-fcopy.sh"

fcopy_setup
fcopy_checks stock
fcopy_teardown
hvg_pass
