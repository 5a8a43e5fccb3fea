#!/bin/sh
# A stand-in device model for the domain-creation example.
#   device-model.sh STORE_FOLDER DOMAIN_ID DELAY_SECONDS MODE
# After DELAY_SECONDS it reports "running" at /local/domain/<id>/device-model/state of the
# DirectoryStore in STORE_FOLDER (the store's documented one-line atomic write), then keeps
# running as long as the domain does. MODE "fail" exits with status 3 instead of reporting;
# MODE "hang" never reports.
store=$1 id=$2 delay=$3 mode=$4
sleep "$delay"
case "$mode" in
  fail) echo "device model of domain $id: failing as told" >&2; exit 3 ;;
  hang) exec sleep 1000000 ;;
esac
d="$store/local/domain/$id/device-model/state" && mkdir -p "$d" && printf %s "running" > "$d/.value.tmp.$$" && mv -f "$d/.value.tmp.$$" "$d/.value"
exec sleep 1000000
