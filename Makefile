# SPDX-License-Identifier: MIT
# vmdktools --- build, test and install.  `make V=1` shows the commands.
# Installed names (libvmdktools.a, vmdktools.pc, vmdktools(3)) stay clear
# of Debian's libvmdk-dev, a different library; LIBDIR may be multiarch.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

VERSION = 0.1
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# Each directory sees the headers of those below it: front ends vmdk.h
# (libvmdk/) and their own; libvmdk/ also formats/ and base/; formats/
# base/ (and vmdk.h's codes); base/ vmdk.h alone.  The layer macros make
# a header of a layer above fail where it is included by mistake.
PROJECT_CPPFLAGS = -Ilibvmdk -Iremote -Imount -D_FILE_OFFSET_BITS=64
LIBS = -ldeflate -lz -lzstd -luuid -lblkid -lpthread -lm
# The remote module (HTTPS, SOAP, certificate thumbprints), linked only
# into the front ends that reach a datastore.
REMOTE_PKGS = libcurl libxml-2.0 libssl libcrypto
REMOTE_CFLAGS := $(shell pkg-config --cflags $(REMOTE_PKGS) 2>/dev/null)
REMOTE_LIBS := $(shell pkg-config --libs $(REMOTE_PKGS) 2>/dev/null)
# vmdk-mount's daemon serves the disk through FUSE.
FUSE_CFLAGS := $(shell pkg-config --cflags fuse3 2>/dev/null)
FUSE_LIBS := $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3)

ifeq ($(SANITIZE),1)
BUILD ?= build/san
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),thread)
BUILD ?= build/tsan
SAN = -fsanitize=thread
else
BUILD ?= build
SAN =
endif

ifeq ($(V),1)
Q =
E = @:
else
Q = @
E = @echo
endif

ALL_CFLAGS = $(PROJECT_CPPFLAGS) $(REMOTE_CFLAGS) $(FUSE_CFLAGS) $(CPPFLAGS) $(WARN) $(SAN) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

LIB = $(BUILD)/libvmdktools.a
LIB_SRCS = $(wildcard base/*.c) $(wildcard libvmdk/*.c) $(wildcard formats/*.c)
# The library's internal headers (base/, formats/, vmdk_int.h and those
# built on it) are for its own code and the tests that reach inside it:
# VMDK_INTERNAL is defined for those alone, so a front end that includes
# one fails.
objdirs = $(foreach d,$(1),$(BUILD)/obj/$(d)/%.o $(BUILD)/pic/$(d)/%.o build/fuzz/obj/$(d)/%.o)
$(call objdirs,base): PROJECT_CPPFLAGS += -Ibase -DVMDK_INTERNAL -DVMDK_LAYER_BASE
$(call objdirs,formats): PROJECT_CPPFLAGS += -Iformats -Ibase -DVMDK_INTERNAL -DVMDK_LAYER_FORMATS
$(call objdirs,libvmdk): PROJECT_CPPFLAGS += -Iformats -Ibase -DVMDK_INTERNAL
$(BUILD)/tests/% build/fuzz/fuzz_%: PROJECT_CPPFLAGS += -Iformats -Ibase -DVMDK_INTERNAL
LIB_OBJS = $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
TOOL_NAMES = vmdk-create vmdk-info vmdk-dump vmdk-fill vmdk-clone vmdk-map \
	vmdk-grow vmdk-rename vmdk-unlink vmdk-meta vmdk-child vmdk-check vmdk-shrink \
	vmdk-defrag vmdk-prepare vmdk-compare vmdk-mount vmware-vdiskmanager vmware-mount
TOOLS = $(addprefix $(BUILD)/bin/,$(TOOL_NAMES))
REMOTE_LIB = $(BUILD)/libvmdkremote.a
REMOTE_OBJS = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard remote/*.c))
REMOTE_TOOLS = $(addprefix $(BUILD)/bin/,vmdk-clone vmware-vdiskmanager)
# `make install NO_VDISKMANAGER=1` leaves vmware-vdiskmanager out, for
# machines that have VMware's own.
INSTALL_NAMES = $(if $(NO_VDISKMANAGER),$(filter-out vmware-vdiskmanager vmware-mount,$(TOOL_NAMES)),$(TOOL_NAMES))
# What every front end links: messages and options, the shared operations.
COMMON_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,tools/common.c tools/args.c tools/progress.c tools/ops.c tools/size.c tools/mount_of.c tools/volumes_show.c \
	$(wildcard tools/op_*.c))
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_NAMES = fuzz_descriptor fuzz_extent fuzz_redo fuzz_check fuzz_repair fuzz_compact fuzz_remote \
	fuzz_vmware_lock fuzz_volumes fuzz_pipe fuzz_qcow2 fuzz_vhd fuzz_vhdx fuzz_vdi
MAN1 = $(addprefix man/man1/,$(addsuffix .1,$(TOOL_NAMES)))

.PHONY: FORCE bench all deps check-deps check check-unit check-cli check-repair check-compact check-fuzz fuzz demo \
	check-vixdisklib install-vixdisklib \
	install install-static install-includes install-pc install-man install-completion \
	install-bin install-plugin uninstall clean lint-man check-man

.SECONDARY:

# libvixDiskLib: VDDK's interface over libvmdk, a shared library of its
# own (only VixDiskLib_* exported), installed apart in LIBDIR/vmdktools.
VIX_SONAME = libvixDiskLib.so.7
VIX_LIB = $(BUILD)/lib/$(VIX_SONAME)
VIX_SRCS = $(filter-out compat/vixmntapi%,$(wildcard compat/*.c))
PIC_OBJS = $(patsubst %.c,$(BUILD)/pic/%.o,$(LIB_SRCS) $(VIX_SRCS))
LIB_PIC_OBJS = $(patsubst %.c,$(BUILD)/pic/%.o,$(LIB_SRCS))
PLUGIN = $(BUILD)/plugins/nbdkit-vmdktools-plugin.so
# nbdkit's plugin directory, moved under PREFIX (nbdkit -- vmdktools finds
# it there when PREFIX is nbdkit's own, /usr).
NBDKIT_PLUGINDIR ?= $(patsubst /usr/%,$(PREFIX)/%,$(shell pkg-config --variable=plugindir nbdkit 2>/dev/null || echo /usr/lib/nbdkit/plugins))

# libvixMntapi: VDDK's Disk Mount API, beside libvixDiskLib (which it
# calls for the disk's bytes), with its own copy of the library for the
# volume list and the FUSE server; only VixMntapi_* exported.
MNT_SONAME = libvixMntapi.so.1
MNT_LIB = $(BUILD)/lib/$(MNT_SONAME)
MNT_PIC_OBJS = $(patsubst %.c,$(BUILD)/pic/%.o,$(LIB_SRCS) $(wildcard compat/vixmntapi*.c) \
	mount/flat_fuse.c mount/loop.c)

all: $(LIB) $(TOOLS) $(VIX_LIB) $(MNT_LIB) $(PLUGIN)

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) "  CC      $< (PIC)"
	$(Q)$(CC) $(ALL_CFLAGS) -Icompat -fPIC -fvisibility=hidden -c -o $@ $<

# nbdkit's plugin: only vmdk.h, over the library's PIC objects.
$(PLUGIN): plugins/nbdkit-vmdktools-plugin.c $(LIB_PIC_OBJS)
	@mkdir -p $(dir $@)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DVMDKTOOLS_VERSION='"$(VERSION)"' \
		-fPIC -shared -o $@ $< $(LIB_PIC_OBJS) $(LIBS)

$(VIX_LIB): $(PIC_OBJS) compat/vixDiskLib.map
	@mkdir -p $(dir $@)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(VIX_SONAME) \
		-Wl,--version-script=compat/vixDiskLib.map -o $@ $(PIC_OBJS) $(LIBS)
	$(Q)ln -sf $(VIX_SONAME) $(BUILD)/lib/libvixDiskLib.so

$(MNT_LIB): $(MNT_PIC_OBJS) compat/vixMntapi.map $(VIX_LIB)
	@mkdir -p $(dir $@)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(MNT_SONAME) \
		-Wl,--version-script=compat/vixMntapi.map -Wl,-rpath,'$$ORIGIN' -o $@ \
		$(MNT_PIC_OBJS) -L$(BUILD)/lib -l:$(VIX_SONAME) $(FUSE_LIBS) $(LIBS)
	$(Q)ln -sf $(MNT_SONAME) $(BUILD)/lib/libvixMntapi.so

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(E) "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(REMOTE_LIB): $(REMOTE_OBJS)
	$(E) "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(REMOTE_TOOLS): $(BUILD)/bin/%: $(BUILD)/obj/tools/%.o $(BUILD)/obj/tools/remote_clone.o \
		$(COMMON_OBJ) $(REMOTE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(REMOTE_LIBS) $(LIBS)

# vmware-mount is vmdk-mount under vmware-mount's name.
MOUNT_OBJS = $(patsubst %.c,$(BUILD)/obj/%.o,tools/vmdk-mount.c tools/mount_fuse.c \
	tools/mount_state.c mount/flat_fuse.c mount/loop.c)
$(BUILD)/bin/vmdk-mount $(BUILD)/bin/vmware-mount: $(MOUNT_OBJS) $(COMMON_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FUSE_LIBS) $(LIBS)

$(BUILD)/bin/%: $(BUILD)/obj/tools/%.o $(COMMON_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(E) "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(E) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) -lcriterion $(LIBS)

# Packages are installed when run as root, else the missing ones are named.
deps:
	@sh scripts/ensure-deps.sh build

check-deps:
	@sh scripts/ensure-deps.sh check

check: check-deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check-unit check-cli check-repair check-compact \
		check-vixdisklib check-man check-fuzz
	@if [ "$(SANITIZE)" != 1 ]; then sh tests/cli/install-test.sh; fi

check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t --jobs 2; done

check-cli: all build/tests/yal-read build/tests/yal-image-read build/tests/vcsim
	@BIN=$(abspath $(BUILD)/bin) YAL=$(abspath build/tests/yal-read) \
		YALI=$(abspath build/tests/yal-image-read) \
		VCSIM=$(abspath build/tests/vcsim) PLUGIN=$(abspath $(PLUGIN)) sh tests/cli/run.sh

# VMware's vCenter/ESXi simulator (govmomi's, from Debian) for the remote
# clone tests; Go's caches stay under build/.
build/tests/vcsim: tests/remote/vcsim.go
	@mkdir -p $(dir $@) build/go
	$(E) "  GO      $<"
	$(Q)GO111MODULE=off GOPATH=$(abspath build/go):/usr/share/gocode \
		GOCACHE=$(abspath build/go/cache) go build -o $@ $<

# libvixDiskLib through VDDK's interface: a client written from VDDK's
# sample, built against the installed header and library.
check-vixdisklib: all build/tests/yal-read
	@BIN=$(abspath $(BUILD)/bin) YAL=$(abspath build/tests/yal-read) BUILD=$(abspath $(BUILD)) \
		CC="$(CC)" SAN="$(SAN)" sh tests/compat/run.sh

# Image cases of check and repair (testdata/repair/, e2fsprogs style);
# `make check-repair UPDATE=1` rewrites their expect files.
check-repair: all build/tests/yal-read
	@BIN=$(abspath $(BUILD)/bin) YAL=$(abspath build/tests/yal-read) sh tests/repair/run.sh
	@BIN=$(abspath $(BUILD)/bin) sh tests/repair/findings.sh
	@BIN=$(abspath $(BUILD)/bin) python3 tests/repair/matrix.py
	@BIN=$(abspath $(BUILD)/bin) sh tests/repair/kill.sh

# vmdk-shrink and vmdk-defrag killed at write calls spread over a run;
# `make check-compact KILLS=2000` for the long mode.
# Under the sanitizers (memory errors are what that run looks for) fewer
# kill points: the plain run covers every one.
check-compact: all
	@BIN=$(abspath $(BUILD)/bin) $(if $(SANITIZE),KILLS=30 EVERY=0) sh tests/compact/kill.sh

# Each harness runs briefly in `make check`; `make fuzz` runs longer.
FUZZ_SECONDS ?= 5
check-fuzz:
	@if [ "$(SANITIZE)" = 1 ]; then echo "fuzz: covered by the plain run"; \
	else $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS); fi

# The harnesses link one archive of the library built for fuzzing, made
# once and kept up to date like any other objects.
FUZZ_CFLAGS = -g -O1 $(PROJECT_CPPFLAGS) -MMD -MP
FUZZ_OBJS = $(patsubst %.c,build/fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_REMOTE_OBJS = $(patsubst %.c,build/fuzz/obj/%.o,$(wildcard remote/*.c))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) "  CLANG   $<"
	$(Q)clang $(FUZZ_CFLAGS) $(REMOTE_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

build/fuzz/libfuzz.a: $(FUZZ_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

build/fuzz/libfuzz-remote.a: $(FUZZ_REMOTE_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz_remote: tests/fuzz/fuzz_remote.c build/fuzz/libfuzz-remote.a build/fuzz/libfuzz.a
	$(E) "  CLANG   $@"
	$(Q)clang $(FUZZ_CFLAGS) $(REMOTE_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< \
		build/fuzz/libfuzz-remote.a build/fuzz/libfuzz.a $(REMOTE_LIBS) $(LIBS)

IMAGE_FUZZ_NAMES = fuzz_qcow2 fuzz_vhd fuzz_vhdx fuzz_vdi
$(addprefix build/fuzz/,$(IMAGE_FUZZ_NAMES)): tests/fuzz/image_harness.h tests/fuzz/scratch.h

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libfuzz.a
	$(E) "  CLANG   $@"
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< build/fuzz/libfuzz.a $(LIBS)

# Two harnesses at a time: each is one thread.
fuzz: check-deps all
	@mkdir -p build/fuzz
	@BIN=$(abspath $(BUILD)/bin) sh tests/fuzz/make-seeds.sh build/fuzz/seeds
	@$(MAKE) --no-print-directory -j2 $(addprefix build/fuzz/,$(FUZZ_NAMES))
	@printf '%s\n' $(FUZZ_NAMES) | xargs -P 2 -I{} sh tests/fuzz/run-one.sh {} $(FUZZ_SECONDS)

bench: check-deps all build/tests/vcsim
	@BIN=$(abspath $(BUILD)/bin) VCSIM=$(abspath build/tests/vcsim) PLUGIN=$(abspath $(PLUGIN)) \
		sh tests/bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(abspath $(BUILD)/bin) sh scripts/demo.sh

# The pages render as written: groff's and mandoc's warnings, EXIT STATUS
# on every command's page, no words glued by a font macro.
check-man lint-man:
	@python3 tests/man-lint.py $(wildcard man/man1/*.1 man/man3/*.3 man/man7/*.7)

vmdktools.pc: vmdktools.pc.in FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

install: install-static install-includes install-pc install-man install-bin \
	install-completion install-vixdisklib install-plugin

# In a folder of its own, so that it never shadows a real VDDK.
install-plugin: $(PLUGIN)
	install -d $(DESTDIR)$(NBDKIT_PLUGINDIR)
	install -m 755 $(PLUGIN) $(DESTDIR)$(NBDKIT_PLUGINDIR)/

install-vixdisklib: $(VIX_LIB) $(MNT_LIB)
	install -d $(DESTDIR)$(LIBDIR)/vmdktools $(DESTDIR)$(INCLUDEDIR)
	install -m 755 $(VIX_LIB) $(MNT_LIB) $(DESTDIR)$(LIBDIR)/vmdktools/
	ln -sf $(VIX_SONAME) $(DESTDIR)$(LIBDIR)/vmdktools/libvixDiskLib.so
	ln -sf $(MNT_SONAME) $(DESTDIR)$(LIBDIR)/vmdktools/libvixMntapi.so
	install -m 644 compat/vixDiskLib.h compat/vixMntapi.h $(DESTDIR)$(INCLUDEDIR)/

install-static: $(LIB)
	install -d $(DESTDIR)$(LIBDIR)
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/

install-includes:
	install -d $(DESTDIR)$(INCLUDEDIR)
	install -m 644 libvmdk/vmdk.h $(DESTDIR)$(INCLUDEDIR)/

install-pc: vmdktools.pc
	install -d $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 vmdktools.pc $(DESTDIR)$(PKGCONFIGDIR)/

install-man:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(addprefix man/man1/,$(addsuffix .1,$(filter-out vmware-mount,$(INSTALL_NAMES)))) \
	    $(DESTDIR)$(MANDIR)/man1/
	$(if $(filter vmware-mount,$(INSTALL_NAMES)),ln -sf vmdk-mount.1 $(DESTDIR)$(MANDIR)/man1/vmware-mount.1)
	install -m 644 man/man3/vmdktools.3 man/man3/vixDiskLib.3 man/man3/vixMntapi.3 \
	    $(DESTDIR)$(MANDIR)/man3/
	install -m 644 man/man7/vmdktools.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 644 man/man1/nbdkit-vmdktools-plugin.1 $(DESTDIR)$(MANDIR)/man1/

install-bin: $(TOOLS)
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(addprefix $(BUILD)/bin/,$(INSTALL_NAMES)) $(DESTDIR)$(BINDIR)/

# One file per program, where bash-completion looks for it by name.
install-completion:
	install -d $(DESTDIR)$(COMPLETIONDIR)
	for t in $(INSTALL_NAMES); do \
	  install -m 644 completion/vmdktools.bash $(DESTDIR)$(COMPLETIONDIR)/$$t; done

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libvmdktools.a $(DESTDIR)$(INCLUDEDIR)/vmdk.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/vmdktools.pc \
	      $(addprefix $(DESTDIR)$(BINDIR)/,$(TOOL_NAMES)) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(addsuffix .1,$(TOOL_NAMES))) \
	      $(addprefix $(DESTDIR)$(COMPLETIONDIR)/,$(TOOL_NAMES)) \
	      $(DESTDIR)$(MANDIR)/man3/vmdktools.3 $(DESTDIR)$(MANDIR)/man3/vixDiskLib.3 \
	      $(DESTDIR)$(MANDIR)/man3/vixMntapi.3 \
	      $(DESTDIR)$(MANDIR)/man7/vmdktools.7 \
	      $(DESTDIR)$(MANDIR)/man1/nbdkit-vmdktools-plugin.1 \
	      $(DESTDIR)$(NBDKIT_PLUGINDIR)/nbdkit-vmdktools-plugin.so \
	      $(DESTDIR)$(LIBDIR)/vmdktools/$(VIX_SONAME) \
	      $(DESTDIR)$(LIBDIR)/vmdktools/libvixDiskLib.so $(DESTDIR)$(INCLUDEDIR)/vixDiskLib.h \
	      $(DESTDIR)$(LIBDIR)/vmdktools/$(MNT_SONAME) \
	      $(DESTDIR)$(LIBDIR)/vmdktools/libvixMntapi.so $(DESTDIR)$(INCLUDEDIR)/vixMntapi.h
	-rmdir $(DESTDIR)$(LIBDIR)/vmdktools 2>/dev/null

clean:
	rm -rf build vmdktools.pc

-include $(shell find build -name '*.d' 2>/dev/null)

# The libyal oracle is built without our flags: it links only libyal.
build/tests/yal-read: tests/cli/yal-read.c
	@mkdir -p $(dir $@)
	$(E) "  CC      $<"
	$(Q)$(CC) -O2 -o $@ $< -lvmdk
build/tests/yal-image-read: tests/cli/yal-image-read.c
	@mkdir -p $(dir $@)
	$(E) "  CC      $<"
	$(Q)$(CC) -O2 -o $@ $< -lqcow -lvhdi
