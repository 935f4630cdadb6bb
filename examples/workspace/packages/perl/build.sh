# Stands in for a real build of perl: writes a small "package" to stdout.
set -e
echo "perl $1"
echo "built from packages/perl"
