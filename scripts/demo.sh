#!/usr/bin/env bash
# make demo: Tern's main job on the embedded default. A node (ternd) on
# 127.0.0.1 with SQLite in build/demo/node/; a few hundred synthetic
# identities enrolled over HTTP; one put on a "transnational organised crime"
# watchlist (nominated by an analyst, approved by a supervisor); an officer
# at a partner airport sends an encounter for that same person (another
# impression); the alert arrives on the live stream and in the response; an
# examiner confirms it and the officer's answer turns red; the same person
# presented under another name and residence status gets a yellow link.
# The node is left running with its address and credentials.
# (The image pipeline demo is `tern image` - see docs/images.md.)
set -eu
cd "$(dirname "$0")/.."
root=$PWD
tern=$root/build/bin/tern
ternd=$root/build/bin/ternd
N=${TERN_DEMO_IDENTITIES:-300}
command -v curl >/dev/null || { echo "demo: curl is needed (scripts/deps.sh installs it)" >&2; exit 1; }
demo=$root/build/demo/node
if [ -f "$demo/ternd.pid" ] && kill -0 "$(cat "$demo/ternd.pid")" 2>/dev/null; then
  echo "== stopping the previous demo node (pid $(cat "$demo/ternd.pid"))"
  kill -TERM "$(cat "$demo/ternd.pid")"; sleep 1
fi
rm -rf "$demo"; mkdir -p "$demo/data" "$demo/keys"; chmod 700 "$demo/keys"
step() { echo; echo "== $*"; }
hexkey() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
(umask 077; hexkey > "$demo/keys/data.key"; hexkey > "$demo/keys/node.key")
cat > "$demo/ternd.conf" <<EOF
listen = 127.0.0.1
port = 0
data_dir = $demo/data
data_key_file = $demo/keys/data.key
node_key_file = $demo/keys/node.key
port_file = $demo/port
target_fpir = 0.001
log_requests = true
EOF

step "1. A new node: keys outside the data directory, SQLite store, first admin"
admin=$($ternd -c "$demo/ternd.conf" --bootstrap admin1:CL-PDI:admin,auditor --retention border-control:3650)
setsid "$ternd" -c "$demo/ternd.conf" < /dev/null > /dev/null 2> "$demo/ternd.log" &
echo $! > "$demo/ternd.pid"
for _ in $(seq 100); do [ -s "$demo/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$demo/port")"
echo "   ternd pid $(cat "$demo/ternd.pid") listening on $url (log: $demo/ternd.log)"
curl -s "$url/healthz"; echo

api() { # TOKEN METHOD PATH [JSON]
  local tok=$1 m=$2 p=$3; shift 3
  if [ $# -gt 0 ]; then
    curl -s -X "$m" -H "Authorization: Bearer $tok" -H "X-Tern-Purpose: demo" \
         -H "Content-Type: application/json" --data-binary "$1" "$url$p"
  else
    curl -s -X "$m" -H "Authorization: Bearer $tok" -H "X-Tern-Purpose: demo" "$url$p"
  fi
}
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" | head -1; }

step "2. Agencies and users (admin): Chile's PDI and Argentina's PFA (the partner)"
api "$admin" POST /v1/agencies '{"id":"AR-PFA","name":"Policia Federal Argentina","country":"ARG"}'; echo
api "$admin" POST /v1/agencies '{"id":"DE-BKA","name":"Bundeskriminalamt (partner node)","country":"DEU"}'; echo
declare -A tok
for u in officer1:CL-PDI:officer analyst1:CL-PDI:analyst supervisor1:CL-PDI:supervisor \
         examiner1:CL-PDI:examiner officer-eze:AR-PFA:officer partner-bka:DE-BKA:partner; do
  IFS=: read -r id ag role <<< "$u"
  api "$admin" POST /v1/users "{\"id\":\"$id\",\"agency_id\":\"$ag\",\"roles\":[\"$role\"]}" > /dev/null
  tok[$id]=$(api "$admin" POST "/v1/users/$id/keys" '{"days":30}' | field token)
  echo "   $id ($role, $ag): key issued"
done

step "3. Enroll $N synthetic identities (ten fingers each, templates) as officer1"
$tern synth --identities "$N" --impressions 2 --seed 7 --out "$demo/synth" --templates > /dev/null
fingers() { # DIR IMPRESSION -> JSON array
  local out="" pos f
  for pos in 01 02 03 04 05 06 07 08 09 10; do
    f="$1/${pos}_$2.tern"; [ -f "$f" ] || continue
    out="$out${out:+,}{\"position\":$((10#$pos)),\"template\":\"$(base64 -w0 "$f")\"}"
  done
  echo "[$out]"
}
declare -a subj dirs
i=0
for d in "$demo"/synth/[0-9]*; do
  dirs[$i]=$d
  fam=$(field family_name < "$d/identity.json"); giv=$(field given_name < "$d/identity.json")
  body="{\"family_name\":\"$fam\",\"given_names\":\"$giv\",\"residence_status\":\"citizen\",\"category\":\"border-control\",\"location\":\"SCL\",\"fingers\":$(fingers "$d" 1)}"
  subj[$i]=$(api "${tok[officer1]}" POST /v1/identities "$body" | field subject_id)
  i=$((i + 1))
done
echo "   enrolled $i identities; metrics: $(curl -s "$url/metrics" | grep '^tern_gallery_subjects')"

W=$((N / 2)); wdir=${dirs[$W]}
step "4. Watchlist \"transnational organised crime\" (supervisor1); analyst1 nominates identity $W (${subj[$W]})"
api "${tok[supervisor1]}" POST /v1/watchlists '{"id":"toc","name":"TOC - regional","category":"transnational organised crime","handling":"Detain for secondary inspection; call the PDI duty desk +56 2 0000 0000; do not disclose the alert to the traveller."}' > /dev/null
now=$(($(date +%s) * 1000))
entry=$(api "${tok[analyst1]}" POST /v1/watchlists/toc/entries \
  "{\"subject_id\":\"${subj[$W]}\",\"basis\":\"Warrant 2026/118, Santiago 4th court\",\"review_ms\":$((now + 30*86400000)),\"expires_ms\":$((now + 365*86400000))}" | field id)
echo "   entry $entry: proposed"
echo "   analyst1 tries to approve it himself: $(api "${tok[analyst1]}" POST "/v1/entries/$entry/approve" | field code)"
echo "   supervisor1 approves: status $(api "${tok[supervisor1]}" POST "/v1/entries/$entry/approve" | field status)"

step "5. examiner1 opens the live alert stream (server-sent events)"
curl -sN -H "Authorization: Bearer ${tok[examiner1]}" -H "X-Tern-Purpose: duty" "$url/v1/alerts/stream" > "$demo/stream.log" &
sse=$!
sleep 0.5

step "6. Officer at Buenos Aires-Ezeiza (AR-PFA, partner) sends an encounter: another impression of identity $W"
enc=$(api "${tok[officer-eze]}" POST /v1/encounters "{\"location\":\"EZE\",\"purpose\":\"border-control\",\"fingers\":$(fingers "$wdir" 2)}")
echo "   response: $enc"
alert=$(echo "$enc" | field alert_id)
sleep 1
echo "   live stream of examiner1:"; sed 's/^/      /' "$demo/stream.log"

step "7. examiner1 reviews the evidence and confirms; the officer's notice turns red"
api "${tok[examiner1]}" GET "/v1/alerts/$alert" | cut -c1-300; echo " ..."
api "${tok[examiner1]}" POST "/v1/alerts/$alert/decision" '{"decision":"confirmed","reasons":"ten fingers agree; pattern classes match"}' > /dev/null
sleep 0.5
echo "   officer-eze now reads: $(api "${tok[officer-eze]}" GET "/v1/alerts/$alert")"
kill "$sse" 2>/dev/null || true

step "8. The same person, presented at EZE under another name and residence status, is enrolled: a yellow link, never a merge"
api "${tok[officer-eze]}" POST /v1/identities "{\"family_name\":\"SYNTH-Alvarez\",\"given_names\":\"SYNTH-Martin\",\"residence_status\":\"legal resident\",\"category\":\"border-control\",\"location\":\"EZE\",\"fingers\":$(fingers "$wdir" 2)}"; echo

step "9. A partner node (DE-BKA) asks hit / no-hit: step one of a two-step query, watchlists only"
P=$((W + 1))
echo "   identity $W (listed):     $(api "${tok[partner-bka]}" POST /v1/partner/queries "{\"location\":\"FRA\",\"fingers\":$(fingers "$wdir" 2)}")"
echo "   identity $P (not listed): $(api "${tok[partner-bka]}" POST /v1/partner/queries "{\"location\":\"FRA\",\"fingers\":$(fingers "${dirs[$P]}" 2)}")"
echo "   (no score, person or watchlist for a partner; the national gallery is not searched for it)"

step "10. The audit trail verifies"
api "$admin" GET /v1/audit/verify; echo

cat > "$demo/credentials" <<EOF
url=$url
admin1=$admin
$(for k in "${!tok[@]}"; do echo "$k=${tok[$k]}"; done)
EOF
chmod 600 "$demo/credentials"
step "The node keeps running"
echo "   address:     $url   (pid $(cat "$demo/ternd.pid"); stop: kill -TERM \$(cat $demo/ternd.pid))"
echo "   credentials: $demo/credentials  (Authorization: Bearer <token>, X-Tern-Purpose: <why>)"
echo "   try:         curl -s -H \"Authorization: Bearer ${tok[examiner1]}\" -H 'X-Tern-Purpose: demo' $url/v1/alerts"
