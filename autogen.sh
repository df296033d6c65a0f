#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Regenerate the autotools build system.
set -e
cd "$(dirname "$0")"
autoreconf -fi
