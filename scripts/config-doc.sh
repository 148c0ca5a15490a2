#!/bin/sh
# Rewrites the generated tables of docs/configuration.md: the lines between
# "<!-- BEGIN esim config KIND -->" and "<!-- END esim config KIND -->" become
# the output of `esim config KIND` (the loaders' own field tables).
#   sh scripts/config-doc.sh [ESIM]      (default build/esim)
set -eu
esim=${1:-build/esim}
doc=docs/configuration.md
tmp=$doc.tmp-$$
: > "$tmp"
skip=0
while IFS= read -r line; do
	case $line in
	"<!-- BEGIN esim config "*" -->")
		printf '%s\n\n' "$line" >> "$tmp"
		kind=${line#<!-- BEGIN esim config }
		kind=${kind% -->}
		"$esim" config "$kind" >> "$tmp"
		skip=1
		continue ;;
	"<!-- END esim config "*" -->")
		printf '\n%s\n' "$line" >> "$tmp"
		skip=0
		continue ;;
	esac
	[ "$skip" -eq 1 ] || printf '%s\n' "$line" >> "$tmp"
done < "$doc"
mv "$tmp" "$doc"
