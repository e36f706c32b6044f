# hyperv-guest: Linux guest integration for Hyper-V and Azure.
#
#   make            build modules for every installed kernel, daemons, tools
#   make check      run every test suite (installs what it needs first);
#                   CI's gate, sized to finish within 45 minutes here
#   make check-long the same with full loop counts, plus long-tier scenarios
#   make demo       boot a VM with the simulated host and show what works
#   make bench      run the benchmarks
#   make deps       install the Debian packages needed (idempotent)
#   make install    install modules (for the chosen kernels), daemons, tools
#   make uninstall  remove what install put in place
#
# KVER=<release> or KDIR=<build tree> picks one kernel; by default modules
# are built for every kernel whose headers are installed, each into
# $(BUILDDIR)/<release>/kernel. Nothing is built inside the source tree.

SRCDIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILDDIR ?= $(SRCDIR)/build
DESTDIR ?=
PREFIX ?= /usr
export BUILDDIR

ifneq ($(KDIR),)
KERNELS := $(notdir $(patsubst %/build,%,$(KDIR)))
kdir_of = $(KDIR)
else ifneq ($(KVER),)
KERNELS := $(KVER)
kdir_of = /lib/modules/$(1)/build
else
KERNELS := $(notdir $(patsubst %/build/.config,%,$(wildcard /lib/modules/*/build/.config)))
kdir_of = /lib/modules/$(1)/build
endif

# Modules we install; hv_sim and the KUnit suites are for tests only.
# uio_hv_generic is built only for kernels with CONFIG_UIO, hv_storvsc only
# for kernels with CONFIG_SCSI, hyperv_keyboard with CONFIG_SERIO and
# hid_hyperv with CONFIG_HID.
INSTALL_MODULES := hv_vmbus hv_utils uio_hv_generic hv_storvsc hyperv_keyboard hid_hyperv

SUBDIRS_USER := daemons tools/hv-migrate tools/lsvmbus tools/fcopy-mode tools/ptp initrd-hooks

.PHONY: all modules daemons tools check check-long demo bench deps install uninstall clean

all: modules daemons tools

modules:
	@[ -n "$(KERNELS)" ] || { echo "no kernel headers installed (make deps)"; exit 1; }
	@failed=; for k in $(KERNELS); do \
		echo "== modules for $$k"; \
		$(MAKE) -C $(SRCDIR)/kernel KDIR=$(call kdir_of,$$k) \
			OUT=$(BUILDDIR)/$$k/kernel || failed="$$failed $$k"; \
	done; \
	[ -z "$$failed" ] || { echo "modules failed for:$$failed (see above)" >&2; exit 1; }

daemons:
	$(MAKE) -C daemons BUILDDIR=$(BUILDDIR)

tools:
	$(MAKE) -C tools/hv-migrate BUILDDIR=$(BUILDDIR)
	$(MAKE) -C tools/lsvmbus BUILDDIR=$(BUILDDIR)

deps:
	@$(SRCDIR)/scripts/deps.sh

check:
	@$(SRCDIR)/scripts/deps.sh
	@HVG_TIER=gate $(SRCDIR)/tests/check.sh

check-long:
	@$(SRCDIR)/scripts/deps.sh
	@HVG_TIER=long $(SRCDIR)/tests/check.sh

demo:
	@$(SRCDIR)/scripts/deps.sh
	@$(SRCDIR)/tests/vm/demo.sh

bench:
	@$(SRCDIR)/scripts/deps.sh
	@$(SRCDIR)/tests/bench/run.sh

# The daemons' check first: it refuses a distribution's daemons in our
# paths (daemons/ours), and nothing may be installed before it says no.
# Modules are installed for a kernel only where no driver of that kernel
# would lose the hv_vmbus it was built against (scripts/install-modules.sh
# says which kernels it left alone and why).
install: modules
	$(MAKE) -C daemons install-check BUILDDIR=$(BUILDDIR) DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	@set -e; for k in $(KERNELS); do \
		dir=$(DESTDIR)/lib/modules/$$k/updates/hyperv-guest; \
		rc=0; $(SRCDIR)/scripts/install-modules.sh $$k $(BUILDDIR)/$$k/kernel \
			$$dir $(INSTALL_MODULES) || rc=$$?; \
		case $$rc in 0) ;; 3) continue ;; *) exit $$rc ;; esac; \
		[ -n "$(DESTDIR)" ] || depmod -a $$k; \
	done
	@set -e; for d in $(SUBDIRS_USER); do $(MAKE) -C $$d install BUILDDIR=$(BUILDDIR) DESTDIR=$(DESTDIR) PREFIX=$(PREFIX); done

uninstall:
	@set -e; for k in $(KERNELS); do \
		rm -rf $(DESTDIR)/lib/modules/$$k/updates/hyperv-guest; \
		[ -n "$(DESTDIR)" ] || depmod -a $$k; \
	done
	@for d in $(SUBDIRS_USER); do $(MAKE) -C $$d uninstall BUILDDIR=$(BUILDDIR) DESTDIR=$(DESTDIR) PREFIX=$(PREFIX); done

clean:
	rm -rf $(BUILDDIR)
