#!/bin/bash
# pcaps/generate.sh -- regenerate the smtptls test captures from real mail
# software talking on loopback inside a private network namespace.
#
#   sudo pcaps/generate.sh            regenerate every capture
#   sudo pcaps/generate.sh NAME...    regenerate only these (e.g. mixed)
#   pcaps/generate.sh --plan          print the planned mixed.pcap composition
#   pcaps/generate.sh --list          list the capture names
#
# Servers: a self-contained Postfix instance (config, queue, data, TLS keys,
# SASL db all in a temporary directory; the machine's /etc/postfix is never
# written) and python3-aiosmtpd.  Clients: swaks, openssl s_client, Python
# smtplib and a small scripted socket client (gen/smtp_clients.py).
# Captured with tcpdump on lo of the namespace; nothing leaves it.
# See pcaps/README.md for what each capture contains.
#
# Afterwards every capture is summarised with the independent oracle
# pcaps/tshark_view.py (-> NAME.tshark.jsonl) and checked session by
# session against gen/kinds.tsv (gen/check_view.py).
#
# Environment: KEEP_WORK=1 keeps the temporary directory (logs, Postfix
# maillog) for inspection.

set -euo pipefail

PCAP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GEN=$PCAP_DIR/gen
KINDS=$GEN/kinds.tsv
PY=/usr/bin/python3         # Debian's python: has python3-aiosmtpd
FILTER='tcp port 25 or tcp port 465 or tcp port 587 or tcp port 2525'

CAPTURES=(
  plain-nostarttls plain-offered starttls-tls13 starttls-tls12-ecdhe
  starttls-tls12-dhe starttls-tls12-rsa implicit-tls starttls-refused
  auth-cleartext ipv6-starttls starttls-handshake-failed implicit-tls-failed
  pipelining port2525 mixed
)

# Fixed identities, so reruns differ only in timestamps, ports and TLS bytes.
MX=127.0.0.1          # Postfix "mx.example.test": STARTTLS on :25 :587 :2525,
                      #   implicit TLS on :465; also [::1]:25 and [::1]:465
MX6=::1
MX_NOTLS=127.0.0.2    # Postfix "mx2.example.test": no TLS at all
MX_BROKEN=127.0.0.3   # Postfix "mx3.example.test": TLS on, key file missing
MX_AIO=127.0.0.4      # aiosmtpd "mx4.example.test": STARTTLS :25, AUTH :587
HELO=client.example.test
SENDER=alice@example.test
RCPT=bob@example.test
MSG_DATE='Thu, 01 Jan 2026 00:00:00 +0000'
AUTH_USER=testuser
AUTH_PASS=testpass
# Client source addresses used in mixed.pcap (single captures use 127.0.0.1).
MIXED_CLIENTS=(127.0.0.10 127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14
               127.0.0.15 127.0.0.16 127.0.0.17 127.0.0.18 127.0.0.19
               127.0.0.20 127.0.0.21)
MIXED_PARALLEL=3      # sessions run concurrently in mixed.pcap

die() { echo "generate.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

# ---------------------------------------------------------------------------
# Outer part: runs in the host namespaces.
# ---------------------------------------------------------------------------

install_deps() {
  local pkgs=(postfix sasl2-bin libsasl2-modules swaks openssl tcpdump tshark
              python3 python3-aiosmtpd iproute2 util-linux) need=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
      || need+=("$p")
  done
  ((${#need[@]})) || return 0
  log "installing: ${need[*]}"
  # "No configuration": the package must not set up or start a system MTA.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"; }
}

etc_postfix_digest() {
  find /etc/postfix -type f -exec md5sum {} + 2>/dev/null | sort | md5sum
}

print_plan() {
  echo "mixed.pcap planned composition (gen/kinds.tsv):"
  awk -F'\t' '!/^#/ && NF {
      printf "  %3d x %-24s %-19s %s:%s  %s %s\n", $2, $1, $11, $3, $4, $7, $8
      t += $2; mode[$11] += $2; ver[$7 == "-" ? "no TLS" : $7] += $2
      if ($3 ~ /:/) v6 += $2
    }
    END {
      printf "  %3d sessions in total (%d over IPv6)\n", t, v6
      for (m in mode) printf "  by mode:    %-20s %3d\n", m, mode[m] | "sort"
      close("sort")
      for (v in ver) printf "  by version: %-20s %3d\n", v, ver[v] | "sort"
      close("sort")
    }' "$KINDS"
}

outer_main() {
  local selected=() name
  case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    --plan) print_plan; exit 0 ;;
    --list) printf '%s\n' "${CAPTURES[@]}"; exit 0 ;;
  esac
  if (($#)); then
    for name in "$@"; do
      name=${name%.pcap}
      [[ " ${CAPTURES[*]} " == *" $name "* ]] || die "unknown capture '$name' (see --list)"
      selected+=("$name")
    done
  else
    selected=("${CAPTURES[@]}")
  fi
  ((EUID == 0)) || die "must run as root (network namespace, Postfix, tcpdump)"

  local t0=$SECONDS
  install_deps
  local etc_before; etc_before=$(etc_postfix_digest)

  WORK=$(mktemp -d /tmp/smtptls-pcaps.XXXXXX)
  chmod 755 "$WORK"   # Postfix daemons run as user postfix and must get in
  export WORK
  log "work directory $WORK"

  # New net namespace: only a fresh lo exists, so no packet can leave.  New
  # PID namespace: every process started inside dies with it, whatever happens.
  local rc=0
  SMTPTLS_PCAPS_INNER=1 unshare --net --pid --fork --mount-proc \
    /bin/bash "$PCAP_DIR/generate.sh" "${selected[@]}" || rc=$?

  [[ $(etc_postfix_digest) == "$etc_before" ]] \
    || echo "WARNING: /etc/postfix changed during the run" >&2
  ((rc == 0)) || die "generation failed (rc=$rc); logs kept in $WORK"

  log "oracle views and checks"
  local bad=0
  for name in "${selected[@]}"; do
    "$PY" "$PCAP_DIR/tshark_view.py" "$PCAP_DIR/$name.pcap" >"$PCAP_DIR/$name.tshark.jsonl" 2>/dev/null
    "$PY" "$GEN/check_view.py" "$KINDS" "$WORK/ran/$name.txt" "$PCAP_DIR/$name.tshark.jsonl" || bad=1
  done
  if ((bad)); then
    die "some captures do not match their plan; logs kept in $WORK"
  fi
  if [[ ${KEEP_WORK:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  log "done in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------------------
# Inner part: runs as PID 1 of a private PID + network namespace.
# ---------------------------------------------------------------------------

TCPDUMP_PID=
AIO_PIDS=()

wait_until() { # TIMEOUT_S COMMAND... : poll until COMMAND succeeds
  local limit=$(($1 * 10)) i; shift
  for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}

listening() { ss -Hltn "sport = :$2" | awk '{print $4}' | grep -qxF "$1:$2"; }

setup_loopback() {
  ip link set lo up
  # 127.0.0.0/8 is all local on lo, so 127.0.0.2... need no extra addresses;
  # ::1 is configured as soon as lo is up.
}

make_tls_material() {
  local d=$WORK/tls
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
    -subj /CN=mx.example.test \
    -addext 'subjectAltName=DNS:mx.example.test,DNS:mx2.example.test,DNS:mx3.example.test,DNS:mx4.example.test' \
    -keyout "$d/server.key" -out "$d/server.crt" 2>/dev/null
  # Fixed RFC 7919 ffdhe2048 group for the DHE suites (instant, no dhparam run).
  openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$d/dh2048.pem"
  chmod 644 "$d"/*
}

write_postfix_config() {
  local etc=$WORK/postfix/etc
  mkdir -p "$etc/sasl" "$WORK/postfix/spool" "$WORK/postfix/data"
  chown postfix "$WORK/postfix/data"
  cat >"$etc/main.cf" <<EOF
# Self-contained test instance: nothing here refers to /etc/postfix.
compatibility_level = 3.6
queue_directory = $WORK/postfix/spool
data_directory = $WORK/postfix/data
maillog_file_prefixes = $WORK
maillog_file = $WORK/postfix/maillog
myhostname = mx.example.test
mydomain = example.test
myorigin = example.test
mydestination = example.test, mx.example.test
inet_interfaces = all
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
smtpd_banner = \$myhostname ESMTP
# Accept any local recipient and throw every message away: Postfix must
# never open an SMTP connection of its own inside a capture.
alias_maps =
alias_database =
local_recipient_maps =
local_transport = discard:
default_transport = discard:
relay_transport = discard:
notify_classes =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
# No reverse DNS (no resolver in the namespace) and no error throttling.
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_tls_security_level = may
smtpd_tls_cert_file = $WORK/tls/server.crt
smtpd_tls_key_file = $WORK/tls/server.key
smtpd_tls_dh1024_param_file = $WORK/tls/dh2048.pem
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_loglevel = 1
# Debian's Postfix reads Cyrus SASL's smtpd.conf from \$config_directory/sasl
# (cyrus_sasl_config_path is not consulted there).
smtpd_sasl_local_domain = example.test
EOF
  # No chroot (the Debian default chroots into /var/spool/postfix).
  cat >"$etc/master.cf" <<EOF
$MX:smtp         inet n - n - - smtpd
[$MX6]:smtp      inet n - n - - smtpd
$MX:smtps        inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
[$MX6]:smtps     inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
$MX:submission   inet n - n - - smtpd -o smtpd_sasl_auth_enable=yes -o smtpd_tls_auth_only=no -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
$MX:2525         inet n - n - - smtpd
$MX_NOTLS:smtp   inet n - n - - smtpd -o myhostname=mx2.example.test -o smtpd_tls_security_level=none
$MX_BROKEN:smtp  inet n - n - - smtpd -o myhostname=mx3.example.test -o smtpd_tls_cert_file=$WORK/tls/missing.crt -o smtpd_tls_key_file=$WORK/tls/missing.key
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  cat >"$etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $etc/sasl/sasldb2
EOF
  echo "$AUTH_PASS" | saslpasswd2 -p -c -f "$etc/sasl/sasldb2" -u example.test "$AUTH_USER"
  chown postfix "$etc/sasl/sasldb2"
}

start_postfix() {
  local etc=$WORK/postfix/etc
  postfix -c "$etc" check || die "postfix check failed (see $WORK/postfix/maillog)"
  postfix -c "$etc" start || die "postfix start failed (see $WORK/postfix/maillog)"
  local ep
  for ep in "$MX:25" "[$MX6]:25" "$MX:465" "[$MX6]:465" "$MX:587" "$MX:2525" \
            "$MX_NOTLS:25" "$MX_BROKEN:25"; do
    wait_until 10 listening "${ep%:*}" "${ep##*:}" || die "Postfix not listening on $ep"
  done
  log "Postfix $(postconf -c "$etc" -h mail_version) up"
}

stop_postfix() {
  local pidfile=$WORK/postfix/spool/pid/master.pid pid
  [[ -s $pidfile ]] || return 0
  pid=$(tr -d ' ' <"$pidfile")
  postfix -c "$WORK/postfix/etc" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  wait_until 10 bash -c "! kill -0 $pid 2>/dev/null" || true
}

start_aiosmtpd() { # PORT [--auth]
  local port=$1; shift
  local ready=$WORK/aiosmtpd-$port.ready
  "$PY" "$GEN/aiosmtpd_server.py" --host "$MX_AIO" --port "$port" \
    --hostname mx4.example.test --cert "$WORK/tls/server.crt" --key "$WORK/tls/server.key" \
    --ready-file "$ready" "$@" >>"$WORK/aiosmtpd-$port.log" 2>&1 &
  AIO_PIDS+=($!)
  wait_until 10 test -s "$ready" || die "aiosmtpd on $MX_AIO:$port did not start"
  wait_until 5 listening "$MX_AIO" "$port" || die "aiosmtpd not listening on $port"
}

inner_cleanup() {
  local pid
  if [[ -n $TCPDUMP_PID ]]; then kill -INT "$TCPDUMP_PID" 2>/dev/null || true; fi
  for pid in "${AIO_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_postfix
}

# --- sessions --------------------------------------------------------------

body() { printf 'Test message %s.\nThis body is fixed so that reruns are comparable.\n' "$1"; }

swaks_msg() { # TAG CLIENT SERVER PORT [swaks options]
  local tag=$1 client=$2 server=$3 port=$4; shift 4
  local opts=(--server "$server" --port "$port" --helo "$HELO"
              --from "$SENDER" --to "$RCPT"
              --header "Date: $MSG_DATE" --header "Subject: smtptls test $tag"
              --header "Message-Id: <$tag@client.example.test>"
              --header "X-Mailer: swaks" --body "$(body "$tag")")
  [[ -n $client ]] && opts+=(--local-interface "$client")
  swaks "${opts[@]}" "$@"
}

sclient_msg() { # TAG CLIENT SERVER PORT [s_client options]: STARTTLS + one message
  local tag=$1 client=$2 server=$3 port=$4; shift 4
  local bind=(); [[ -n $client ]] && bind=(-bind "$client:0")
  local out
  # MAIL/RCPT/DATA pipelined (Postfix offers PIPELINING); content after a
  # pause so it normally follows the 354; -crlf turns LF into CRLF.
  out=$({ printf 'MAIL FROM:<%s>\nRCPT TO:<%s>\nDATA\n' "$SENDER" "$RCPT"
          sleep 0.3
          printf 'Date: %s\nFrom: %s\nTo: %s\nSubject: smtptls test %s\nMessage-Id: <%s@client.example.test>\n\n%s\n.\n' \
            "$MSG_DATE" "$SENDER" "$RCPT" "$tag" "$tag" "$(body "$tag")"
          sleep 0.2
          printf 'QUIT\n'; } |
        openssl s_client -starttls smtp -name "$HELO" -connect "$server:$port" \
          "${bind[@]}" -crlf -quiet "$@" 2>&1) || { echo "$out"; return 1; }
  echo "$out"
  grep -q '^250 2.0.0 Ok: queued' <<<"$out"
}

scripted() { # MODE TAG CLIENT SERVER PORT : gen/smtp_clients.py
  local mode=$1 tag=$2 client=$3 server=$4 port=$5
  local bind=(); [[ -n $client ]] && bind=(--bind "$client")
  "$PY" "$GEN/smtp_clients.py" "$mode" --server "$server" --port "$port" --tag "$tag" "${bind[@]}"
}

ok()    { "$@" >>"$SESSION_LOG" 2>&1 || { echo "client failed: $*" >>"$SESSION_LOG"; return 1; }; }
fails() { if "$@" >>"$SESSION_LOG" 2>&1; then echo "client unexpectedly succeeded: $*" >>"$SESSION_LOG"; return 1; fi; }

TLS12=(--tls --tls-protocol tlsv1_2 --tls-cipher)

# run_session KIND TAG CLIENT -- one TCP connection of the given kind
# (kinds and their expected oracle view: gen/kinds.tsv).
run_session() {
  local kind=$1 t=$2 c=$3
  SESSION_LOG=$WORK/logs/$t.log
  echo "$kind $t" >>"$RAN"
  echo "### $kind $t client=${c:-default}" >"$SESSION_LOG"
  case $kind in
    plain_notls)           ok swaks_msg "$t" "$c" $MX_NOTLS 25 ;;
    plain_offered)         ok swaks_msg "$t" "$c" $MX 25 ;;
    plain_offered_aio)     ok swaks_msg "$t" "$c" $MX_AIO 25 ;;
    tls13)                 ok swaks_msg "$t" "$c" $MX 25 --tls --tls-protocol tlsv1_3 ;;
    tls13_aio)             ok swaks_msg "$t" "$c" $MX_AIO 25 --tls --tls-protocol tlsv1_3 ;;
    # swaks cannot choose TLS 1.3 suites; openssl s_client can.
    tls13_chacha)          ok sclient_msg "$t" "$c" $MX 25 -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256 ;;
    tls13_aes128)          ok sclient_msg "$t" "$c" $MX 25 -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 ;;
    tls12_ecdhe_aes256gcm) ok swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" ECDHE-RSA-AES256-GCM-SHA384 ;;
    tls12_ecdhe_aes128gcm) ok swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 ;;
    tls12_ecdhe_chacha)    ok swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" ECDHE-RSA-CHACHA20-POLY1305 ;;
    tls12_dhe_aes256gcm)   ok swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" DHE-RSA-AES256-GCM-SHA384 ;;
    tls12_dhe_aes256sha)   ok swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" DHE-RSA-AES256-SHA ;;
    tls12_rsa_aes256gcm)   ok swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" AES256-GCM-SHA384 ;;
    tls12_rsa_aes128sha)   ok swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" AES128-SHA ;;
    implicit_tls13)        ok swaks_msg "$t" "$c" $MX 465 --tlsc ;;
    implicit_tls12)        ok swaks_msg "$t" "$c" $MX 465 --tlsc --tls-protocol tlsv1_2 --tls-cipher ECDHE-RSA-AES256-GCM-SHA384 ;;
    # swaks --tls quits before sending STARTTLS when it is not advertised,
    # so a scripted smtplib client sends it anyway to get Postfix's 502.
    refused_502)           ok scripted refuse-starttls "$t" "$c" $MX_NOTLS 25 ;;
    refused_454)           fails swaks_msg "$t" "$c" $MX_BROKEN 25 --tls ;;
    refused_454_continue)  ok swaks_msg "$t" "$c" $MX_BROKEN 25 --tls-optional ;;
    # TLS 1.0 needs SECLEVEL=0 in OpenSSL 3 even to be offered.
    hsfail_version)        fails swaks_msg "$t" "$c" $MX 25 --tls --tls-protocol tlsv1 --tls-cipher 'DEFAULT@SECLEVEL=0' ;;
    hsfail_cipher)         fails swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" ECDHE-ECDSA-AES128-GCM-SHA256 ;;
    auth_plain)            ok swaks_msg "$t" "$c" $MX 587 --auth PLAIN --auth-user $AUTH_USER --auth-password $AUTH_PASS ;;
    auth_login)            ok swaks_msg "$t" "$c" $MX 587 --auth LOGIN --auth-user $AUTH_USER --auth-password $AUTH_PASS ;;
    auth_aio)              ok swaks_msg "$t" "$c" $MX_AIO 587 --auth PLAIN --auth-user $AUTH_USER --auth-password $AUTH_PASS ;;
    v6_plain)              ok swaks_msg "$t" "" $MX6 25 ;;
    v6_tls13)              ok swaks_msg "$t" "" $MX6 25 --tls --tls-protocol tlsv1_3 ;;
    v6_tls12)              ok swaks_msg "$t" "" $MX6 25 "${TLS12[@]}" ECDHE-RSA-AES256-GCM-SHA384 ;;
    v6_implicit)           ok swaks_msg "$t" "" $MX6 465 --tlsc ;;
    implicit_failed_sclient)
      local bind=(); [[ -n $c ]] && bind=(-bind "$c:0")
      fails openssl s_client -connect $MX:25 "${bind[@]}" -servername mx.example.test </dev/null ;;
    implicit_failed_swaks) fails swaks_msg "$t" "$c" $MX 2525 --tlsc ;;
    pipeline)              ok swaks_msg "$t" "$c" $MX 25 --pipeline ;;
    two_messages)          ok scripted two-messages "$t" "$c" $MX 25 ;;
    bdat)                  ok scripted bdat "$t" "$c" $MX 25 ;;
    p2525_tls12)           ok swaks_msg "$t" "$c" $MX 2525 "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 ;;
    p2525_plain)           ok swaks_msg "$t" "$c" $MX 2525 ;;
    *) die "unknown session kind $kind" ;;
  esac || { cat "$SESSION_LOG" >&2; die "session $t ($kind) did not behave as planned"; }
}

sessions() { # KIND... : run sequentially, tags NAME-N, client 127.0.0.1
  local kind n=0
  for kind in "$@"; do
    n=$((n + 1))
    run_session "$kind" "$CAPTURE-$n" ""
    sleep 0.2   # keep connection order = plan order
  done
}

# --- one function per capture ----------------------------------------------

cap_plain_nostarttls() { sessions plain_notls; }          # server without TLS
cap_plain_offered()    { sessions plain_offered; }        # STARTTLS offered, unused
cap_starttls_tls13()   { sessions tls13; }                # default suite TLS_AES_256_GCM_SHA384
cap_starttls_tls12_ecdhe() { sessions tls12_ecdhe_aes256gcm; }   # 0xC030
cap_starttls_tls12_dhe()   { sessions tls12_dhe_aes256gcm; }     # 0x009F, ffdhe2048
cap_starttls_tls12_rsa()   { sessions tls12_rsa_aes256gcm; }     # 0x009D
cap_implicit_tls()     { sessions implicit_tls13; }       # port 465, wrappermode
# 502 (not offered, client insists and QUITs), 454 (offered, local TLS
# problem; swaks --tls hangs up), 454 then cleartext delivery (--tls-optional).
cap_starttls_refused() { sessions refused_502 refused_454 refused_454_continue; }
cap_auth_cleartext()   { sessions auth_plain auth_login; }           # port 587
cap_ipv6_starttls()    { sessions v6_tls13 v6_plain; }
cap_starttls_handshake_failed() { sessions hsfail_version hsfail_cipher; }
cap_implicit_tls_failed() { sessions implicit_failed_sclient implicit_failed_swaks; }
cap_pipelining()       { sessions pipeline two_messages bdat; }
cap_port2525()         { sessions p2525_tls12 p2525_plain; }

# mixed.pcap: every kind, as many times as gen/kinds.tsv column 2 says,
# interleaved round-robin (deterministic order), client addresses rotating
# over MIXED_CLIENTS (IPv6 kinds use ::1), MIXED_PARALLEL at a time.
cap_mixed() {
  local kinds=() counts=() k n i total=0 left
  while IFS=$'\t' read -r k n _; do
    [[ $k == \#* || -z $k ]] && continue
    kinds+=("$k"); counts+=("$n"); total=$((total + n))
  done <"$KINDS"
  print_plan >&2
  local plan=()
  left=$total
  while ((left > 0)); do
    for i in "${!kinds[@]}"; do
      if ((counts[i] > 0)); then
        plan+=("${kinds[i]}"); counts[i]=$((counts[i] - 1)); left=$((left - 1))
      fi
    done
  done
  local pids=() seq=0 pid failed=0
  for k in "${plan[@]}"; do
    local client=${MIXED_CLIENTS[seq % ${#MIXED_CLIENTS[@]}]}
    seq=$((seq + 1))
    run_session "$k" "$(printf 'mixed-%03d-%s' "$seq" "$k")" "$client" &
    pids+=($!)
    sleep 0.05
    if ((${#pids[@]} >= MIXED_PARALLEL)); then
      for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
      pids=()
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || die "some mixed sessions failed"
}

capture() { # NAME: tcpdump around cap_NAME
  CAPTURE=$1
  local fn=cap_${1//-/_} pcap=$WORK/$1.pcap errlog=$WORK/logs/$1.tcpdump
  RAN=$WORK/ran/$1.txt
  : >"$RAN"
  log "capture $CAPTURE"
  # --immediate-mode: otherwise packets still in the kernel ring buffer
  # (up to 1 s worth) are lost when tcpdump is stopped.
  # -B: 64 MiB kernel buffer, so the concurrent TLS sessions of mixed.pcap
  # cannot overrun it (the default 2 MiB dropped packets on 2 cores).
  tcpdump -i lo -n -U --immediate-mode -B 65536 -Z root -w "$pcap" "$FILTER" 2>"$errlog" &
  TCPDUMP_PID=$!
  wait_until 10 grep -q 'listening on' "$errlog" || die "tcpdump did not start: $(cat "$errlog")"
  sleep 0.2
  "$fn"
  sleep 1     # trailing FIN/ACKs
  kill -INT "$TCPDUMP_PID"
  wait "$TCPDUMP_PID" || true
  TCPDUMP_PID=
  grep -q '^0 packets dropped by kernel' "$errlog" || die "tcpdump dropped packets: $(cat "$errlog")"
  [[ $(stat -c %s "$pcap") -gt 24 ]] || die "$pcap is empty"
  install -m 644 "$pcap" "$PCAP_DIR/$CAPTURE.pcap"
  log "  $(grep 'packets captured' "$errlog"), $(stat -c %s "$pcap") bytes"
}

inner_main() {
  [[ -n ${WORK:-} && -d $WORK ]] || die "inner part needs WORK"
  mkdir -p "$WORK/logs" "$WORK/ran"
  trap inner_cleanup EXIT
  setup_loopback
  make_tls_material
  write_postfix_config
  start_postfix
  start_aiosmtpd 25
  start_aiosmtpd 587 --auth
  local name
  for name in "$@"; do capture "$name"; done
}

if [[ -n ${SMTPTLS_PCAPS_INNER:-} ]]; then
  inner_main "$@"
else
  outer_main "$@"
fi
