# SPDX-License-Identifier: GPL-2.0-only
# ktstr.m4: find ktstr-run and its plugin directory from a downstream configure.ac.
#
# KTSTR_CHECK([MIN-VERSION], [ACTION-IF-FOUND], [ACTION-IF-NOT-FOUND])
#
# Looks for ktstr-run, in this order:
#   1. the KTSTR_RUN variable (configure KTSTR_RUN=/path/to/ktstr-run),
#   2. --with-ktstr=DIR: a ktstr build tree (DIR/src/ktstr-run) or an install
#      prefix (DIR/bin/ktstr-run),
#   3. $PATH.
# and the plugin directory: the KTSTR_PLUGINDIR variable, the build tree's
# plugins/.libs, "pkg-config --variable=plugindir ktstr-plugin", or
# LIBDIR/ktstr/plugins next to the ktstr-run that was found.
#
# Substitutes KTSTR_RUN, KTSTR_PLUGINDIR and KTSTR_VERSION, defines the
# automake conditional HAVE_KTSTR, and without ACTION-IF-NOT-FOUND only
# warns (the tests are then skipped, not failed). A typical Makefile.am:
#
#   TEST_EXTENSIONS = .yaml
#   YAML_LOG_COMPILER = $(KTSTR_RUN)
#   AM_TESTS_ENVIRONMENT = KTSTR_PLUGIN_PATH='$(KTSTR_PLUGINDIR)'; export KTSTR_PLUGIN_PATH;
#   TESTS = specs/a.yaml
#
# ktstr-run exits 0 (pass), 1 (fail), 77 (skip) or 99 (error), which is
# automake's test protocol.
AC_DEFUN([KTSTR_CHECK], [
  AC_ARG_VAR([KTSTR_RUN], [the ktstr-run program used as the spec log compiler])
  AC_ARG_VAR([KTSTR_PLUGINDIR], [directory holding ktstr scheduler plugins])
  AC_ARG_WITH([ktstr],
    [AS_HELP_STRING([--with-ktstr=DIR], [ktstr build tree or install prefix])],
    [], [with_ktstr=])
  AS_IF([test -z "$KTSTR_RUN" && test -n "$with_ktstr" && test "x$with_ktstr" != xyes],
    [AS_IF([test -x "$with_ktstr/src/ktstr-run"],
       [KTSTR_RUN="$with_ktstr/src/ktstr-run"
        test -n "$KTSTR_PLUGINDIR" || test ! -d "$with_ktstr/plugins/.libs" ||
          KTSTR_PLUGINDIR="$with_ktstr/plugins/.libs"],
       [test -x "$with_ktstr/bin/ktstr-run"],
       [KTSTR_RUN="$with_ktstr/bin/ktstr-run"])])
  AS_IF([test -z "$KTSTR_RUN" && test "x$with_ktstr" != xno],
    [AC_PATH_PROG([KTSTR_RUN], [ktstr-run], [])])
  ktstr_found=no
  KTSTR_VERSION=
  AS_IF([test -n "$KTSTR_RUN" && test -x "$KTSTR_RUN"], [
    AC_MSG_CHECKING([ktstr-run version])
    KTSTR_VERSION=`"$KTSTR_RUN" --version 2>/dev/null | sed -n 's/^[[^0-9]]*\([[0-9]][[0-9.]]*\).*/\1/p' | sed 1q`
    AC_MSG_RESULT([${KTSTR_VERSION:-unknown}])
    ktstr_found=yes
    m4_ifval([$1], [
      AS_IF([test -n "$KTSTR_VERSION"],
        [AS_VERSION_COMPARE([$KTSTR_VERSION], [$1],
          [AC_MSG_WARN([ktstr $KTSTR_VERSION is older than $1]); ktstr_found=no])])])
  ])
  AS_IF([test "$ktstr_found" = yes && test -z "$KTSTR_PLUGINDIR"], [
    KTSTR_PLUGINDIR=`${PKG_CONFIG:-pkg-config} --variable=plugindir ktstr-plugin 2>/dev/null`
    AS_IF([test -z "$KTSTR_PLUGINDIR"], [
      ktstr_prefix=`dirname "$KTSTR_RUN"`
      ktstr_prefix=`dirname "$ktstr_prefix"`
      test ! -d "$ktstr_prefix/lib/ktstr/plugins" || KTSTR_PLUGINDIR="$ktstr_prefix/lib/ktstr/plugins"
    ])
  ])
  AC_MSG_CHECKING([for a usable ktstr])
  AS_IF([test "$ktstr_found" = yes],
    [AC_MSG_RESULT([$KTSTR_RUN (plugins: ${KTSTR_PLUGINDIR:-default search path})])],
    [AC_MSG_RESULT([no])])
  AC_SUBST([KTSTR_RUN])
  AC_SUBST([KTSTR_PLUGINDIR])
  AC_SUBST([KTSTR_VERSION])
  AM_CONDITIONAL([HAVE_KTSTR], [test "$ktstr_found" = yes])
  AS_IF([test "$ktstr_found" = yes], [$2],
    [m4_default([$3],
      [AC_MSG_WARN([ktstr-run not found: scheduler tests will be skipped (set KTSTR_RUN or --with-ktstr=DIR)])])])
])
