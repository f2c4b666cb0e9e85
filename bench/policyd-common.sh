# policyd-common.sh - sourced by bench/policyd-run and bench/policyd-instr:
# the benchmark's lists and keys, the answers trustmx-policyd must give,
# and its configuration over those lists.

# answers FILE OUT DENY RELAY OTHER - the expected answer of every key
answers() {
	awk -F'\t' -v d="$3" -v r="$4" -v o="$5" \
		'{ print $1 "\t" ($2 == "deny" ? d : $2 == "relay" ? r : o) }' "$1" >"$2"
}

# pd_bench_keys SRC DIR - bench/policyd-keys.py's lists and keys in DIR,
# classified apart from trustmx; relay_inline and deny_inline set; the
# answers in DIR/sm.answers and DIR/policy.answers
pd_bench_keys() {
	python3 "$1/bench/policyd-keys.py" "$2"
	relay_inline=$(sed -n 's/^relay //p' "$2/inline")
	deny_inline=$(sed -n 's/^deny //p' "$2/inline")
	answers "$2/socketmap.keys" "$2/sm.answers" "OK reject" "OK permit" "NOTFOUND "
	answers "$2/policy.keys" "$2/policy.answers" "REJECT listed" "OK" "DUNNO"
}

# pd_bench_conf DIR LINE... - DIR/trustmx.conf: the lists, their actions,
# a cache directory, then LINE... (the listeners)
pd_bench_conf() {
	local dir=$1 line
	shift
	mkdir -p "$dir/run" "$dir/spf"
	{
		echo "relay_networks = file:$dir/relay.txt, $relay_inline"
		echo "deny_networks = file:$dir/deny.txt, $deny_inline"
		echo "relay_policy_action = OK"
		echo "deny_policy_action = REJECT listed"
		echo "spf_cache_dir = $dir/spf"
		for line in "$@"; do
			echo "$line"
		done
	} >"$dir/trustmx.conf"
}
