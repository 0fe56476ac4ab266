#!/bin/sh
# Stand-in for Prisma's native schema engine, which this project does not download.
# `prisma generate` only checks that the binary exists; it never runs it. Anything that would run it
# (prisma migrate, db push, introspection) is refused here: migrations are applied by the service.
echo "migrations are applied by exsync migrate (Prisma's schema engine is not installed)" >&2
exit 1
