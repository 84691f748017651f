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
# The findings-* captures add a STARTTLS man in the middle
# (gen/strip_proxy.py), a second, sending Postfix instance, and GnuTLS
# (gnutls-cli / gnutls-serv) for the 3DES and RC4 suites OpenSSL lacks.
# starttls-retry adds Exim, run from Debian's exim4-daemon-light .deb
# unpacked into the temporary directory (exim4 conflicts with postfix as a
# package, so it is never installed).  The issue 11 captures add the Nagios
# plugins (probes), a third, gateway Postfix instance between documentation
# networks on lo (gateway, domains), and gen/retime.py, which moves each
# connection of hours.pcap to its time of day.
# Captured with tcpdump on lo of the namespace; nothing leaves it.
# See pcaps/README.md for what each capture contains.
#
# Afterwards every capture is summarised with the independent oracle
# pcaps/tshark_view.py (-> NAME.tshark.jsonl) and checked session by
# session against gen/kinds.tsv and gen/findings.tsv (gen/check_view.py).
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
  findings-stripped findings-injection findings-fallback findings-obsolete
  findings-weak findings-cert findings-465
  starttls-retry
  probes gateway domains hours
)
FINDINGS_KINDS=$GEN/findings.tsv   # session kinds of the findings-* captures
RETRY_KINDS=$GEN/retry.tsv         # session kinds of starttls-retry
ISSUE11_KINDS=$GEN/issue11.tsv     # session kinds of probes, gateway, domains
HOURS_PLAN=$GEN/hours.tsv          # hours: when each session starts, after retiming

# Fixed identities, so reruns differ only in timestamps, ports and TLS bytes.
MX=127.0.0.1          # Postfix "mx.example.test": STARTTLS on :25 :587 :2525,
                      #   implicit TLS on :465; also [::1]:25 and [::1]:465
MX6=::1
MX_NOTLS=127.0.0.2    # Postfix "mx2.example.test": no TLS at all
MX_BROKEN=127.0.0.3   # Postfix "mx3.example.test": TLS on, key file missing
MX_AIO=127.0.0.4      # aiosmtpd "mx4.example.test": STARTTLS :25, AUTH :587
# Servers of the findings-* captures (see README "Findings captures"):
MX_LEGACY=127.0.0.5   # Postfix "mx5.example.test": TLSv1..TLSv1.3, any cipher
                      #   OpenSSL still has (@SECLEVEL=0: NULL, anonymous) on
                      #   :25; plain SMTP (no wrappermode) on :465; CA-signed cert
MX_STRIP=127.0.0.6    # gen/strip_proxy.py (pass/pix/drop) -> Postfix BACKEND
MX_INJECT=127.0.0.7   # gen/strip_proxy.py (pass/inject)   -> Postfix BACKEND
MX_SIGNED=127.0.0.8   # Postfix "mx8.example.test": cert signed by a local CA
MX_EXPIRED=127.0.0.9  # Postfix "mx9.example.test": expired CA-signed cert
MX_GNUTLS=127.0.0.22  # gen/strip_proxy.py (offload): Postfix BACKEND for the
                      #   SMTP dialogue, then gnutls-serv for the TLS (3DES, RC4)
BACKEND_PORT=10025    # Postfix on $MX:10025 behind the proxies (not captured)
GNUTLS_PORT=11025     # gnutls-serv behind $MX_GNUTLS (not captured)
GNUTLS_SERV_PRIO='NORMAL:+3DES-CBC:+ARCFOUR-128:+MD5'
RELAY_CLIENT=127.0.0.51  # source address of the sending Postfix instance
# Servers of starttls-retry (STARTTLS refused, then tried again):
MX_EXIM=127.0.0.23    # Exim "mx23.example.test" (GnuTLS): STARTTLS after HELO
                      #   gets 503, after EHLO 220
MX_AIO_RETRY=127.0.0.24  # aiosmtpd "mx24.example.test": the first STARTTLS of
                      #   every connection gets 454, the next one 220
EXIM_PKGS=(exim4-daemon-light)   # only its exim4 binary is used
# probes (monitoring checks beside real deliveries): the Nagios plugins
# check_smtp / check_tcp / check_ssmtp cannot bind a source address, so a /32
# local route with "src" picks the monitoring host's (as for gnutls-cli).
MONITOR=127.0.0.130   # the monitoring host (check_smtp, check_tcp, check_ssmtp)
BALANCER=127.0.0.140  # a load balancer's health check (HELO, RSET, QUIT)
PLUGINS=/usr/lib/nagios/plugins
# gateway, domains: documentation networks on lo.  Home (--home-net) is
# 198.51.100.0/24; outside are 192.0.2.0/24 and 203.0.113.0/24.
HOME_NET=198.51.100.0/24
GW=198.51.100.10      # Postfix "mx.example.net": the gateway, a third instance
                      #   that relays inbound mail in and outbound mail out
GW_MBOX=198.51.100.20 # Postfix "mbox.example.net" (the receiving instance):
                      #   the inside mailbox server, STARTTLS; 550 for nobody@
GW_WS1=198.51.100.30  # inside clients submitting to the gateway
GW_WS2=198.51.100.31
OUT_TLS=192.0.2.25    # Postfix "mx.example.com" (receiving instance): STARTTLS
OUT_CLEAR=192.0.2.26  # Postfix "mx.example.org" (receiving instance): no
                      #   STARTTLS; the gateway's next hop for every domain
                      #   but example.net and example.com
OUT_A=192.0.2.10      # outside senders: mail.example.com
OUT_B=203.0.113.20    #   smtp.example.org
OUT_C=203.0.113.21    #   relay.partner.example
OUT_D=203.0.113.22    #   a host that forges its sender (backscatter)
GW_ADDRS=($GW $GW_MBOX $GW_WS1 $GW_WS2 $OUT_TLS $OUT_CLEAR $OUT_A $OUT_B $OUT_C $OUT_D)
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

PROXY_PIDS=()

die() { echo "generate.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

# ---------------------------------------------------------------------------
# Outer part: runs in the host namespaces.
# ---------------------------------------------------------------------------

install_deps() {
  # libidn12 and libgnutls-dane0: libraries the unpacked exim4 binary needs
  # (starttls-retry); exim4 itself is never installed (see fetch_exim).
  local pkgs=(postfix sasl2-bin libsasl2-modules swaks openssl tcpdump tshark
              python3 python3-aiosmtpd iproute2 util-linux gnutls-bin
              libidn12 libgnutls-dane0 monitoring-plugins-basic) need=() p
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

# Exim runs with its own copies of /etc/passwd and /etc/group bind-mounted
# in a mount namespace of its own (start_exim); the real ones, and /etc/exim4
# (which must not appear), are checked like /etc/postfix.
etc_other_digest() {
  { md5sum /etc/passwd /etc/group; [[ -e /etc/exim4 ]] && echo /etc/exim4 || true; } | md5sum
}

# exim4-daemon-light conflicts with postfix (both are mail-transport-agent),
# so it is not installed: its .deb is downloaded with apt-get download and
# unpacked with dpkg -x into $WORK/exim/root; start_exim runs the binary from
# there with its own configuration.  Needs the network, so it runs here, in
# the host namespaces, before the capture namespace is entered.
fetch_exim() {
  local d=$WORK/exim
  mkdir -p "$d/debs" "$d/root"
  log "fetching ${EXIM_PKGS[*]} (apt-get download; unpacked, not installed)"
  ( cd "$d/debs" && apt-get download -q "${EXIM_PKGS[@]}" 2>/dev/null ) \
    || { apt-get update -q && ( cd "$d/debs" && apt-get download -q "${EXIM_PKGS[@]}" ); } \
    || die "apt-get download ${EXIM_PKGS[*]} failed"
  local deb
  for deb in "$d"/debs/*.deb; do dpkg-deb -x "$deb" "$d/root"; done
  [[ -x $d/root/usr/sbin/exim4 ]] || die "no usr/sbin/exim4 in ${EXIM_PKGS[*]}"
  ! ldd "$d/root/usr/sbin/exim4" | grep 'not found' \
    || die "libraries missing for exim4 (see install_deps)"
  chmod 755 "$d" "$d/root"
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
  local etc_other_before; etc_other_before=$(etc_other_digest)

  WORK=$(mktemp -d /tmp/smtptls-pcaps.XXXXXX)
  chmod 755 "$WORK"   # Postfix daemons run as user postfix and must get in
  export WORK
  log "work directory $WORK"
  [[ " ${selected[*]} " != *" starttls-retry "* ]] || fetch_exim

  # New net namespace: only a fresh lo exists, so no packet can leave.  New
  # PID namespace: every process started inside dies with it, whatever happens.
  local rc=0
  SMTPTLS_PCAPS_INNER=1 unshare --net --pid --fork --mount-proc \
    /bin/bash "$PCAP_DIR/generate.sh" "${selected[@]}" || rc=$?

  [[ $(etc_postfix_digest) == "$etc_before" ]] \
    || echo "WARNING: /etc/postfix changed during the run" >&2
  [[ $(etc_other_digest) == "$etc_other_before" ]] \
    || echo "WARNING: /etc/passwd, /etc/group or /etc/exim4 changed during the run" >&2
  ((rc == 0)) || die "generation failed (rc=$rc); logs kept in $WORK"

  log "oracle views and checks"
  local bad=0
  for name in "${selected[@]}"; do
    "$PY" "$PCAP_DIR/tshark_view.py" "$PCAP_DIR/$name.pcap" >"$PCAP_DIR/$name.tshark.jsonl" 2>/dev/null
    "$PY" "$GEN/check_view.py" "$KINDS" "$FINDINGS_KINDS" "$RETRY_KINDS" "$ISSUE11_KINDS" "$WORK/ran/$name.txt" "$PCAP_DIR/$name.tshark.jsonl" || bad=1
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
  # ::1 is configured as soon as lo is up.  The documentation addresses of
  # gateway and domains are put on lo too (one namespace, every host on it;
  # what the gateway's own interface would show).
  local a
  for a in "${GW_ADDRS[@]}"; do ip addr add "$a/32" dev lo; done
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
  make_ca_certs
  chmod 644 "$d"/*
}

# findings-*: a throwaway local CA, a server certificate it signed (valid for
# ten years: mx5 and mx8) and one it signed that expired in 2021 (mx9).
# OpenSSL 3.0's "req -x509"/"x509 -req" cannot set a past notBefore/notAfter
# (-not_before/-not_after came with 3.4), "openssl ca -startdate/-enddate" can.
make_ca_certs() {
  local d=$WORK/tls ca=$WORK/tls/ca
  mkdir -p "$ca/newcerts"
  : >"$ca/index.txt"
  echo 1000 >"$ca/serial"
  cat >"$ca/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $ca/index.txt
new_certs_dir = $ca/newcerts
serial = $ca/serial
default_md = sha256
policy = any_name
copy_extensions = copy
unique_subject = no
x509_extensions = server_ext
[ any_name ]
commonName = supplied
[ server_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
    -subj '/CN=smtptls test CA' -keyout "$ca/ca.key" -out "$d/ca.crt" 2>/dev/null
  local name cn start end
  for name in signed expired; do
    case $name in
      signed)  cn=mx8.example.test; start=20250101000000Z; end=20350101000000Z ;;
      expired) cn=mx9.example.test; start=20200101000000Z; end=20210101000000Z ;;
    esac
    openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=$cn" \
      -addext "subjectAltName=DNS:$cn,DNS:mx5.example.test" \
      -keyout "$d/$name.key" -out "$ca/$name.csr" 2>/dev/null
    openssl ca -batch -notext -config "$ca/ca.cnf" -cert "$d/ca.crt" -keyfile "$ca/ca.key" \
      -startdate $start -enddate $end -in "$ca/$name.csr" -out "$d/$name.crt" 2>/dev/null \
      || die "openssl ca failed for $name"
  done
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
# findings-* servers (new addresses/ports: the captures above never see them).
# Behind gen/strip_proxy.py; port 10025 is outside the capture filter.
$MX:$BACKEND_PORT        inet n - n - - smtpd
# Legacy server: every protocol version and cipher OpenSSL 3 still has.
$MX_LEGACY:smtp  inet n - n - - smtpd -o myhostname=mx5.example.test -o smtpd_tls_protocols=>=TLSv1 -o tls_medium_cipherlist=ALL:eNULL:@SECLEVEL=0 -o smtpd_tls_cert_file=$WORK/tls/signed.crt -o smtpd_tls_key_file=$WORK/tls/signed.key
# Plain SMTP on the implicit-TLS port (wrappermode forgotten), AUTH in clear.
$MX_LEGACY:smtps inet n - n - - smtpd -o myhostname=mx5.example.test -o smtpd_sasl_auth_enable=yes -o smtpd_tls_auth_only=no -o smtpd_tls_cert_file=$WORK/tls/signed.crt -o smtpd_tls_key_file=$WORK/tls/signed.key
$MX_SIGNED:smtp  inet n - n - - smtpd -o myhostname=mx8.example.test -o smtpd_tls_cert_file=$WORK/tls/signed.crt -o smtpd_tls_key_file=$WORK/tls/signed.key
# probes: mx8 with implicit TLS too (check_ssmtp).
$MX_SIGNED:smtps inet n - n - - smtpd -o myhostname=mx8.example.test -o smtpd_tls_wrappermode=yes -o smtpd_tls_cert_file=$WORK/tls/signed.crt -o smtpd_tls_key_file=$WORK/tls/signed.key
# gateway, domains: the hosts around the gateway (an open relay each: they
# accept any recipient and discard the message, like every listener here).
$GW_MBOX:smtp    inet n - n - - smtpd -o myhostname=mbox.example.net -o mynetworks=0.0.0.0/0 -o smtpd_recipient_restrictions=check_recipient_access,texthash:$etc/mbox_access,permit
$OUT_TLS:smtp    inet n - n - - smtpd -o myhostname=mx.example.com -o mynetworks=0.0.0.0/0
$OUT_CLEAR:smtp  inet n - n - - smtpd -o myhostname=mx.example.org -o smtpd_tls_security_level=none -o mynetworks=0.0.0.0/0
$MX_EXPIRED:smtp inet n - n - - smtpd -o myhostname=mx9.example.test -o smtpd_tls_cert_file=$WORK/tls/expired.crt -o smtpd_tls_key_file=$WORK/tls/expired.key
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
  # The mailbox server knows no "nobody": the gateway bounces what it relayed.
  echo "nobody@example.net 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox table" >"$etc/mbox_access"
  echo "$AUTH_PASS" | saslpasswd2 -p -c -f "$etc/sasl/sasldb2" -u example.test "$AUTH_USER"
  chown postfix "$etc/sasl/sasldb2"
}

start_postfix() {
  local etc=$WORK/postfix/etc
  postfix -c "$etc" check || die "postfix check failed (see $WORK/postfix/maillog)"
  postfix -c "$etc" start || die "postfix start failed (see $WORK/postfix/maillog)"
  local ep
  for ep in "$MX:25" "[$MX6]:25" "$MX:465" "[$MX6]:465" "$MX:587" "$MX:2525" \
            "$MX_NOTLS:25" "$MX_BROKEN:25" "$MX:$BACKEND_PORT" "$MX_LEGACY:25" \
            "$MX_LEGACY:465" "$MX_SIGNED:25" "$MX_EXPIRED:25" "$MX_SIGNED:465" \
            "$GW_MBOX:25" "$OUT_TLS:25" "$OUT_CLEAR:25"; do
    wait_until 10 listening "${ep%:*}" "${ep##*:}" || die "Postfix not listening on $ep"
  done
  log "Postfix $(postconf -c "$etc" -h mail_version) up"
}

stop_postfix() { # [INSTANCE_DIR]: default the receiving instance
  local dir=${1:-$WORK/postfix} pid
  local pidfile=$dir/spool/pid/master.pid
  [[ -s $pidfile ]] || return 0
  pid=$(tr -d ' ' <"$pidfile")
  postfix -c "$dir/etc" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  wait_until 10 bash -c "! kill -0 $pid 2>/dev/null" || true
}

# findings-fallback: a second, SENDING Postfix instance ("relay.example.test")
# that delivers by SMTP from $RELAY_CLIENT with opportunistic TLS
# (smtp_tls_security_level = may) but, like an old sender, speaks only TLS 1.0
# -- which the receiving Postfix ($MX:25, >=TLSv1.2) refuses.  No inet
# listener: mail is submitted with "sendmail -C" (pickup).  Started only for
# that capture; only this instance ever opens an SMTP connection.
start_sending_postfix() {
  local dir=$WORK/postfix-out etc=$WORK/postfix-out/etc
  # inet_interfaces must name an address of an interface (127.0.0.0/8 is
  # routed to lo, but only 127.0.0.1 is configured on it).
  ip addr show dev lo | grep -qF "inet $RELAY_CLIENT/32" || ip addr add "$RELAY_CLIENT/32" dev lo
  mkdir -p "$etc" "$dir/spool" "$dir/data"
  chown postfix "$dir/data"
  cat >"$etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file_prefixes = $WORK
maillog_file = $dir/maillog
myhostname = relay.example.test
mydomain = example.test
myorigin = example.test
mydestination =
# Its "own" address (Postfix refuses to deliver to an address it counts as
# itself: with loopback-only that would include 127.0.0.1).  No listener.
inet_interfaces = $RELAY_CLIENT
inet_protocols = ipv4
alias_maps =
alias_database =
notify_classes =
# No DNS in the namespace: next hops are IP literals in the transport map.
smtp_dns_support_level = disabled
transport_maps = texthash:$etc/transport
smtp_bind_address = $RELAY_CLIENT
smtp_tls_security_level = may
smtp_tls_loglevel = 1
# An old sender: TLS 1.0 only (OpenSSL 3 offers it only at security level 0).
smtp_tls_protocols = !SSLv2, !SSLv3, !TLSv1.1, !TLSv1.2, !TLSv1.3
tls_medium_cipherlist = DEFAULT:@SECLEVEL=0
# Postfix falls back to plaintext after a failed opportunistic handshake only
# for a message that has already waited at least minimal_backoff_time
# (smtp.h: PLAINTEXT_FALLBACK_OK_AFTER_STARTTLS_FAILURE compares whole
# seconds): a fresh message is deferred ("Cannot start TLS: handshake
# failure"), its next attempt fails the handshake again and then retries the
# same server at once without TLS.  When that next attempt comes depends on
# qmgr's timers, so relay_send_aged lets the message wait first (deferred by
# defer_transports, released after 2 s): one failed handshake, then the
# plaintext retry, on every run.
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
defer_transports = smtp
# No connection cache: each delivery ends with QUIT at once (a cached
# connection would be closed later without QUIT, maybe after the capture).
smtp_connection_cache_on_demand = no
EOF
  cat >"$etc/transport" <<EOF
example.test      smtp:[$MX]:25
mx2.example.test  smtp:[$MX_NOTLS]:25
EOF
  cat >"$etc/master.cf" <<EOF
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
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  postfix -c "$etc" check || die "postfix check (sending instance) failed"
  postfix -c "$etc" start || die "postfix start (sending instance) failed (see $dir/maillog)"
  wait_until 10 test -S "$dir/spool/public/pickup" || die "sending Postfix: no pickup socket"
}

# relay_send TAG RCPT: submit one message to the sending instance, wait until
# it is delivered or bounced (deferrals are retried), print the log lines.
relay_send() {
  local tag=$1 rcpt=$2 dir=$WORK/postfix-out
  local before; before=$(grep -c 'status=\(sent\|bounced\)' "$dir/maillog" 2>/dev/null || true)
  printf 'Date: %s\nFrom: %s\nTo: %s\nSubject: smtptls test %s\nMessage-Id: <%s@client.example.test>\n\n%s\n' \
    "$MSG_DATE" "$SENDER" "$rcpt" "$tag" "$tag" "$(body "$tag")" |
    sendmail -C "$dir/etc" -f "$SENDER" "$rcpt" || return 1
  wait_until 30 bash -c "(( \$(grep -c 'status=\(sent\|bounced\)' '$dir/maillog') > ${before:-0} ))" || return 1
  grep -F -e "postfix/smtp[" "$dir/maillog" | tail -n 8
  grep -F "to=<$rcpt>" "$dir/maillog" | tail -n 1 | grep -q 'status=sent'
}

# relay_send_aged TAG RCPT: like relay_send, but the message first waits 2 s
# in the deferred queue (defer_transports = smtp), then defer_transports is
# cleared and the queue flushed: its first delivery attempt is a retry.
relay_send_aged() {
  local tag=$1 rcpt=$2 dir=$WORK/postfix-out
  printf 'Date: %s\nFrom: %s\nTo: %s\nSubject: smtptls test %s\nMessage-Id: <%s@client.example.test>\n\n%s\n' \
    "$MSG_DATE" "$SENDER" "$rcpt" "$tag" "$tag" "$(body "$tag")" |
    sendmail -C "$dir/etc" -f "$SENDER" "$rcpt" || return 1
  wait_until 10 grep -q "to=<$rcpt>.*status=deferred (deferred transport)" "$dir/maillog" || return 1
  sleep 2
  local before; before=$(grep -c 'status=\(sent\|bounced\)' "$dir/maillog" || true)
  postconf -c "$dir/etc" -e 'defer_transports =' || return 1
  postfix -c "$dir/etc" reload || return 1   # the new qmgr may deliver at once
  sleep 1
  postqueue -c "$dir/etc" -f || return 1
  wait_until 30 bash -c "(( \$(grep -c 'status=\(sent\|bounced\)' '$dir/maillog') > ${before:-0} ))" || return 1
  grep -F -e "postfix/smtp[" -e "postfix/qmgr[" "$dir/maillog" | tail -n 8
  grep -F "to=<$rcpt>" "$dir/maillog" | tail -n 1 | grep -q 'status=sent'
}

# gateway, domains: a third Postfix instance, "mx.example.net" on $GW, the
# gateway of the home network: it relays inbound mail for example.net to the
# inside mailbox server ($GW_MBOX) and outbound mail from the inside clients
# ($HOME_NET is mynetworks) to example.com ($OUT_TLS, STARTTLS) and to every
# other domain through $OUT_CLEAR (no STARTTLS); opportunistic TLS both ways
# (smtpd and smtp "may").  No DNS: next hops are IP literals in its transport
# map.  Bounces go back to the sender (notify_classes only silences the
# postmaster copies).  One smtp process (maxproc 1) and no connection cache,
# so deliveries run one at a time and each ends with QUIT.
start_gateway_postfix() {
  local dir=$WORK/postfix-gw etc=$WORK/postfix-gw/etc
  mkdir -p "$etc" "$dir/spool" "$dir/data"
  chown postfix "$dir/data"
  cat >"$etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file_prefixes = $WORK
maillog_file = $dir/maillog
myhostname = mx.example.net
mydomain = example.net
myorigin = example.net
mydestination =
inet_interfaces = $GW
inet_protocols = ipv4
mynetworks = $HOME_NET
relay_domains = example.net, sales.example.net
alias_maps =
alias_database =
local_recipient_maps =
notify_classes =
smtpd_banner = \$myhostname ESMTP
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
smtpd_tls_security_level = may
smtpd_tls_cert_file = $WORK/tls/server.crt
smtpd_tls_key_file = $WORK/tls/server.key
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_loglevel = 1
smtp_dns_support_level = disabled
transport_maps = texthash:$etc/transport
smtp_bind_address = $GW
smtp_tls_security_level = may
smtp_tls_loglevel = 1
smtp_connection_cache_on_demand = no
EOF
  cat >"$etc/transport" <<EOF
example.net        smtp:[$GW_MBOX]:25
sales.example.net  smtp:[$GW_MBOX]:25
example.com        smtp:[$OUT_TLS]:25
*                  smtp:[$OUT_CLEAR]:25
EOF
  cat >"$etc/master.cf" <<EOF
$GW:smtp  inet  n       -       n       -       -       smtpd
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
smtp      unix  -       -       n       -       1       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  postfix -c "$etc" check || die "postfix check (gateway) failed"
  postfix -c "$etc" start || die "postfix start (gateway) failed (see $dir/maillog)"
  wait_until 10 listening "$GW" 25 || die "gateway Postfix not listening on $GW:25"
}

# gw_settle: wait until the gateway has delivered (or bounced) everything it
# took and its queue is empty, then for the last QUIT; fails on a deferral.
gw_settle() {
  local etc=$WORK/postfix-gw/etc
  wait_until 30 bash -c "postqueue -c '$etc' -p 2>/dev/null | grep -q '^Mail queue is empty'" \
    || { postqueue -c "$etc" -p; return 1; }
  sleep 0.5
  ! grep -q 'status=deferred' "$WORK/postfix-gw/maillog"
}

start_proxy() { # LISTEN_ADDR CLIENT=MODE...: gen/strip_proxy.py on :25 -> $MX:$BACKEND_PORT
  local addr=$1; shift
  local ready=$WORK/proxy-$addr.ready rules=() r
  for r in "$@"; do rules+=(--rule "$r"); done
  "$PY" "$GEN/strip_proxy.py" --listen "$addr:25" --backend "$MX:$BACKEND_PORT" \
    --tls-backend "$MX:$GNUTLS_PORT" \
    --ready-file "$ready" "${rules[@]}" >>"$WORK/logs/proxy-$addr.log" 2>&1 &
  PROXY_PIDS+=($!)
  wait_until 10 test -s "$ready" || die "proxy on $addr:25 did not start"
  wait_until 5 listening "$addr" 25 || die "proxy not listening on $addr:25"
}

# findings-weak: 3DES and RC4 are compiled out of Debian 12's OpenSSL
# (no weak-ssl-ciphers; not even at @SECLEVEL=0 with the legacy provider),
# so Postfix, swaks and s_client cannot negotiate them.  GnuTLS 3.7 still
# can: gnutls-serv (TLS only, --echo) behind the offload proxy on $MX_GNUTLS.
start_gnutls_serv() {
  gnutls-serv --echo --port "$GNUTLS_PORT" --priority "$GNUTLS_SERV_PRIO" \
    --x509certfile "$WORK/tls/signed.crt" --x509keyfile "$WORK/tls/signed.key" \
    --disable-client-cert >>"$WORK/logs/gnutls-serv.log" 2>&1 &
  PROXY_PIDS+=($!)
  wait_until 10 listening 0.0.0.0 "$GNUTLS_PORT" || die "gnutls-serv not listening: $(cat "$WORK/logs/gnutls-serv.log")"
}

# gnutls_msg CLIENT SERVER PRIORITY: gnutls-cli --starttls-proto=smtp.  It
# cannot bind a source address, so a /32 local route to SERVER with
# "src CLIENT" picks it (both are loopback addresses of this namespace).
# Inside TLS the peer is gnutls-serv --echo: QUIT is echoed, then close.
gnutls_msg() {
  local client=$1 server=$2 prio=$3
  ip addr show dev lo | grep -qF "inet $client/32" || ip addr add "$client/32" dev lo
  ip route replace local "$server/32" dev lo src "$client" table local
  { sleep 0.5; printf 'QUIT\n'; sleep 0.3; } |
    gnutls-cli --starttls-proto=smtp --insecure --crlf --priority "$prio" -p 25 "$server"
  local rc=$?
  ip route del local "$server/32" dev lo table local
  return $rc
}

stop_proxies() {
  local pid
  for pid in "${PROXY_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PROXY_PIDS=()
}

start_aiosmtpd() { # PORT [--auth]: mx4, for the whole run
  start_aiosmtpd_at "$MX_AIO" "$1" mx4.example.test "${@:2}"
  AIO_PIDS+=("$LAST_PID")
}

start_aiosmtpd_at() { # HOST PORT HOSTNAME [aiosmtpd_server.py options]; PID in LAST_PID
  local host=$1 port=$2 name=$3; shift 3
  local ready=$WORK/aiosmtpd-$host-$port.ready
  "$PY" "$GEN/aiosmtpd_server.py" --host "$host" --port "$port" \
    --hostname "$name" --cert "$WORK/tls/server.crt" --key "$WORK/tls/server.key" \
    --ready-file "$ready" "$@" >>"$WORK/aiosmtpd-$host-$port.log" 2>&1 &
  LAST_PID=$!
  wait_until 10 test -s "$ready" || die "aiosmtpd on $host:$port did not start"
  wait_until 5 listening "$host" "$port" || die "aiosmtpd not listening on $host:$port"
}

# starttls-retry: Exim 4.96 from the unpacked exim4-daemon-light .deb (see
# fetch_exim), configured entirely by $WORK/exim/exim.conf: one listener
# (mx23, port 25), spool, logs, pid file and TLS certificate under $WORK,
# no DNS or ident lookups, and queue_only with no queue runner -- accepted
# messages stay in the spool, Exim never opens a connection.  The binary
# looks up its compiled-in user "Debian-exim" before it reads any
# configuration; that user exists only in copies of /etc/passwd and
# /etc/group that are bind-mounted over the real ones in a mount namespace
# of Exim's own (unshare --mount), so no system file is written.
exim_ns() { # ARGS...: run the unpacked exim4 with the passwd/group copies
  local d=$WORK/exim
  unshare --mount -- /bin/sh -c \
    'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"' \
    sh "$d/passwd" "$d/group" "$d/root/usr/sbin/exim4" "$@"
}

start_exim() {
  local d=$WORK/exim id
  [[ -x $d/root/usr/sbin/exim4 ]] || die "exim4 not unpacked (fetch_exim)"
  # a uid/gid free in both files for the Exim user
  id=$(awk -F: '{u[$3] = 1} END {for (i = 64990; i > 1000; i--) if (!(i in u)) {print i; exit}}' \
         /etc/passwd /etc/group)
  cp /etc/passwd "$d/passwd"; cp /etc/group "$d/group"
  echo "Debian-exim:x:$id:$id:Exim (smtptls captures):/nonexistent:/usr/sbin/nologin" >>"$d/passwd"
  echo "Debian-exim:x:$id:" >>"$d/group"
  mkdir -p "$d/spool" "$d/log"
  chown "$id:$id" "$d/spool" "$d/log"
  cat >"$d/exim.conf" <<EOF
# Self-contained test instance: nothing here refers to /etc/exim4.
exim_path = $d/root/usr/sbin/exim4
primary_hostname = mx23.example.test
qualify_domain = example.test
local_interfaces = $MX_EXIM
daemon_smtp_ports = 25
spool_directory = $d/spool
log_file_path = $d/log/%slog
pid_file_path = $d/exim.pid
log_selector = +smtp_protocol_error +smtp_syntax_error +tls_cipher
keep_environment =
# No reverse DNS, no ident (RFC 1413) callbacks: no connection of its own.
host_lookup =
rfc1413_hosts =
rfc1413_query_timeout = 0s
# STARTTLS advertised to everyone (GnuTLS; Exim's defaults otherwise).
tls_advertise_hosts = *
tls_certificate = $WORK/tls/server.crt
tls_privatekey = $WORK/tls/server.key
# Accept and keep: no delivery process, no queue runner.
queue_only = true
acl_smtp_rcpt = acl_check_rcpt

begin acl
acl_check_rcpt:
  accept domains = example.test
  deny   message = relaying not permitted

begin routers
discard:
  driver = redirect
  data = :blackhole:
EOF
  chmod 644 "$d/exim.conf"
  exim_ns -C "$d/exim.conf" -bV >"$WORK/logs/exim-bV.log" 2>&1 \
    || die "exim -bV failed: $(cat "$WORK/logs/exim-bV.log")"
  exim_ns -C "$d/exim.conf" -bdf -oP "$d/exim.pid" >>"$WORK/logs/exim.log" 2>&1 &
  PROXY_PIDS+=($!)
  wait_until 10 listening "$MX_EXIM" 25 \
    || die "Exim not listening on $MX_EXIM:25: $(cat "$WORK/logs/exim.log" "$d/log/paniclog" 2>/dev/null)"
  log "$(head -n 1 "$WORK/logs/exim-bV.log") up"
}

inner_cleanup() {
  local pid
  if [[ -n $TCPDUMP_PID ]]; then kill -INT "$TCPDUMP_PID" 2>/dev/null || true; fi
  for pid in "${AIO_PIDS[@]}" "${PROXY_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_postfix
  stop_postfix "$WORK/postfix-out"
  stop_postfix "$WORK/postfix-gw"
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

scripted() { # MODE TAG CLIENT SERVER PORT [options] : gen/smtp_clients.py
  local mode=$1 tag=$2 client=$3 server=$4 port=$5; shift 5
  local bind=(); [[ -n $client ]] && bind=(--bind "$client")
  "$PY" "$GEN/smtp_clients.py" "$mode" --server "$server" --port "$port" --tag "$tag" "${bind[@]}" "$@"
}

ok()    { "$@" >>"$SESSION_LOG" 2>&1 || { echo "client failed: $*" >>"$SESSION_LOG"; return 1; }; }
fails() { if "$@" >>"$SESSION_LOG" 2>&1; then echo "client unexpectedly succeeded: $*" >>"$SESSION_LOG"; return 1; fi; }

TLS12=(--tls --tls-protocol tlsv1_2 --tls-cipher)

# swaks_env TAG CLIENT SERVER PORT HELO FROM TO [swaks options]: one message
# with the envelope given (TO: recipients separated by commas; FROM "" is the
# null sender).
swaks_env() {
  local tag=$1 client=$2 server=$3 port=$4 helo=$5 from=$6 to=$7; shift 7
  swaks --server "$server" --port "$port" --local-interface "$client" --helo "$helo" \
    --from "$from" --to "$to" \
    --header "Date: $MSG_DATE" --header "Subject: smtptls test $tag" \
    --header "Message-Id: <$tag@$helo>" --header "X-Mailer: swaks" --body "$(body "$tag")" "$@"
}

# as_host CLIENT SERVER COMMAND...: run a client that cannot bind a source
# address (the Nagios plugins) from CLIENT: a /32 local route to SERVER with
# "src CLIENT" while it runs.  SERVER must not be an address configured on
# lo (127.0.0.8 and 127.0.0.2 are not: the 127/8 route covers them).
as_host() {
  local client=$1 server=$2 rc=0; shift 2
  ip addr show dev lo | grep -qF "inet $client/32" || ip addr add "$client/32" dev lo
  ip route replace local "$server/32" dev lo src "$client" table local
  "$@" || rc=$?
  ip route del local "$server/32" dev lo table local
  return $rc
}

# leg KIND TAG: a connection the gateway opened for the session just run.
leg() { echo "$1 $2" >>"$RAN"; }

# The list the domains capture sends to: 3 at example.com (over TLS from the
# gateway), 40 at 40 other domains (one cleartext connection, more distinct
# domains than a record keeps: 512 bytes).
list_rcpts() {
  local i out=alice@example.com,bob@example.com,carol@example.com
  for i in $(seq -w 1 40); do out+=",member$i@research$i.example.org"; done
  echo "$out"
}

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
    # --- findings-* kinds (gen/findings.tsv) ---
    strip_pass_tls)        ok swaks_msg "$t" "$c" $MX_STRIP 25 --tls --tls-protocol tlsv1_3 ;;
    strip_pix)             ok swaks_msg "$t" "$c" $MX_STRIP 25 --tls-optional ;;
    strip_drop)            ok swaks_msg "$t" "$c" $MX_STRIP 25 --tls-optional ;;
    strip_pass_plain)      ok swaks_msg "$t" "$c" $MX_STRIP 25 ;;
    strip_notls)           ok swaks_msg "$t" "$c" $MX_NOTLS 25 --tls-optional ;;
    inject_client)         ok scripted inject-starttls "$t" "$c" $MX 25 ;;
    inject_server_swaks)   swaks_msg "$t" "$c" $MX_INJECT 25 --tls --tls-protocol tlsv1_3 >>"$SESSION_LOG" 2>&1 \
                             || echo "(swaks failed, recorded)" >>"$SESSION_LOG" ;;
    inject_server_smtplib) scripted starttls "$t" "$c" $MX_INJECT 25 >>"$SESSION_LOG" 2>&1 \
                             || echo "(smtplib failed, recorded)" >>"$SESSION_LOG" ;;
    inject_server_sclient) sclient_msg "$t" "$c" $MX_INJECT 25 -tls1_3 >>"$SESSION_LOG" 2>&1 \
                             || echo "(s_client failed, recorded)" >>"$SESSION_LOG" ;;
    inject_none_swaks)     ok swaks_msg "$t" "$c" $MX 25 --tls --tls-protocol tlsv1_3 ;;
    inject_none_smtplib)   ok scripted starttls "$t" "$c" $MX_INJECT 25 ;;
    # One message that has waited in the queue, two connections: TLS 1.0
    # handshake refused, then at once the same server in plaintext.
    fallback_relay_plain)  echo "fallback_relay_hsfail $t-tls" >>"$RAN"
                           ok relay_send_aged "$t" "$RCPT" ;;
    fallback_relay_other)  ok relay_send "$t" "bob@mx2.example.test" ;;
    fallback_hsfail)       fails swaks_msg "$t" "$c" $MX 25 --tls --tls-protocol tlsv1 --tls-cipher 'DEFAULT@SECLEVEL=0' ;;
    fallback_other_plain)  ok swaks_msg "$t" "$c" $MX_NOTLS 25 ;;
    fallback_retry_tls)    ok swaks_msg "$t" "$c" $MX 25 --tls --tls-protocol tlsv1_3 ;;
    obsolete_tls10)        ok swaks_msg "$t" "$c" $MX_LEGACY 25 --tls --tls-protocol tlsv1 --tls-cipher 'DEFAULT@SECLEVEL=0' ;;
    obsolete_tls11)        ok swaks_msg "$t" "$c" $MX_LEGACY 25 --tls --tls-protocol tlsv1_1 --tls-cipher 'DEFAULT@SECLEVEL=0' ;;
    obsolete_tls12)        ok swaks_msg "$t" "$c" $MX_LEGACY 25 "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 ;;
    # swaks gives up after a NULL-cipher handshake ("empty response from
    # get_cipher_bits()": 0 bits), openssl s_client carries on.  NULL: the
    # SMTP dialogue inside TLS travels unencrypted in TLS application records.
    weak_null_sha256)      ok sclient_msg "$t" "$c" $MX_LEGACY 25 -tls1_2 -cipher 'NULL-SHA256:@SECLEVEL=0' ;;
    weak_null_md5)         ok sclient_msg "$t" "$c" $MX_LEGACY 25 -tls1_2 -cipher 'NULL-MD5:@SECLEVEL=0' ;;
    weak_ecdhe_null)       ok sclient_msg "$t" "$c" $MX_LEGACY 25 -tls1_2 -cipher 'ECDHE-RSA-NULL-SHA:@SECLEVEL=0' ;;
    # swaks also gives up without a server certificate (anonymous suites).
    weak_adh)              ok sclient_msg "$t" "$c" $MX_LEGACY 25 -tls1_2 -cipher 'ADH-AES128-GCM-SHA256:@SECLEVEL=0' ;;
    weak_aecdh)            ok sclient_msg "$t" "$c" $MX_LEGACY 25 -tls1_2 -cipher 'AECDH-AES256-SHA:@SECLEVEL=0' ;;
    weak_none)             ok swaks_msg "$t" "$c" $MX_LEGACY 25 "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 ;;
    # GnuTLS on both ends (see start_gnutls_serv): TLS 1.2, RSA key exchange.
    weak_3des)             ok gnutls_msg "$c" $MX_GNUTLS 'NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+3DES-CBC:-KX-ALL:+RSA' ;;
    weak_rc4)              ok gnutls_msg "$c" $MX_GNUTLS 'NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+ARCFOUR-128:-KX-ALL:+RSA' ;;
    weak_rc4_md5)          ok gnutls_msg "$c" $MX_GNUTLS 'NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+ARCFOUR-128:-KX-ALL:+RSA:-MAC-ALL:+MD5' ;;
    weak_gnutls_none)      ok gnutls_msg "$c" $MX_GNUTLS 'NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:-KX-ALL:+ECDHE-RSA' ;;
    cert_expired)          ok swaks_msg "$t" "$c" $MX_EXPIRED 25 "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 ;;
    cert_selfsigned)       ok swaks_msg "$t" "$c" $MX 25 "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 ;;
    cert_signed)           ok swaks_msg "$t" "$c" $MX_SIGNED 25 "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 ;;
    cert_expired_tls13)    ok swaks_msg "$t" "$c" $MX_EXPIRED 25 --tls --tls-protocol tlsv1_3 ;;
    p465_plain)            ok swaks_msg "$t" "$c" $MX_LEGACY 465 ;;
    p465_plain_auth)       ok swaks_msg "$t" "$c" $MX_LEGACY 465 --auth PLAIN --auth-user $AUTH_USER --auth-password $AUTH_PASS ;;
    p587_plain_auth)       ok swaks_msg "$t" "$c" $MX 587 --auth PLAIN --auth-user $AUTH_USER --auth-password $AUTH_PASS ;;
    p465_implicit)         ok swaks_msg "$t" "$c" $MX 465 --tlsc ;;
    p587_starttls_auth)    ok swaks_msg "$t" "$c" $MX 587 --tls --auth PLAIN --auth-user $AUTH_USER --auth-password $AUTH_PASS ;;
    # --- starttls-retry kinds (gen/retry.tsv) ---
    retry_helo_exim)       ok scripted helo-starttls-retry "$t" "$c" $MX_EXIM 25 --refusal 503 ;;
    retry_454_aio)         ok scripted starttls-retry "$t" "$c" $MX_AIO_RETRY 25 --refusal 454 --attempts 3 ;;
    # Two connections from one client: handshake failed, then TLS 1.3.
    retry_newconn_tls)     echo "retry_newconn_hsfail $t-hsfail" >>"$RAN"
                           ok scripted starttls-hsfail-retry "$t" "$c" $MX 25 ;;
    again_in_tls13)        ok scripted starttls-twice "$t" "$c" $MX 25 --refusal 554 ;;
    # NULL cipher: the second STARTTLS and its 554 are readable on the wire.
    again_in_tls_null)     ok scripted starttls-twice "$t" "$c" $MX_LEGACY 25 --refusal 554 --tls-ciphers 'NULL-SHA256:@SECLEVEL=0' ;;
    retry_refused_clear)   ok scripted starttls-refused-clear "$t" "$c" $MX_BROKEN 25 --refusal 454 --attempts 2 ;;
    # --- probes (gen/issue11.tsv): monitoring checks and deliveries -------
    # Nagios check_smtp: HELO, QUIT (EHLO only with -S or AUTH).
    probe_helo_quit)       ok as_host "$c" $MX_SIGNED $PLUGINS/check_smtp -H $MX_SIGNED -F monitor.example.test ;;
    probe_helo_quit_notls) ok as_host "$c" $MX_NOTLS $PLUGINS/check_smtp -H $MX_NOTLS -F monitor.example.test ;;
    # swaks --quit-after helo: EHLO, QUIT.
    probe_ehlo_quit)       ok swaks --server $MX_SIGNED --local-interface "$c" --helo monitor.example.test --quit-after helo ;;
    # check_smtp -S -D: STARTTLS and a look at the certificate's dates (TLS, no mail).
    probe_starttls_cert)   ok as_host "$c" $MX_SIGNED $PLUGINS/check_smtp -H $MX_SIGNED -F monitor.example.test -S -D 30,14 ;;
    # check_tcp: connect and close; Postfix's banner crosses before the close.
    probe_connect)         ok as_host "$c" $MX_SIGNED $PLUGINS/check_tcp -H $MX_SIGNED -p 25 ;;
    # check_tcp -e 220: read the banner, close: banner only.
    probe_banner)          ok as_host "$c" $MX_SIGNED $PLUGINS/check_tcp -H $MX_SIGNED -p 25 -e 220 ;;
    # check_ssmtp: implicit TLS on 465, the banner inside TLS.
    probe_implicit)        ok as_host "$c" $MX_SIGNED $PLUGINS/check_ssmtp -H $MX_SIGNED -p 465 ;;
    probe_helo_rset)       ok scripted helo-rset "$t" "$c" $MX_SIGNED 25 ;;
    mx8_plain)             ok swaks_msg "$t" "$c" $MX_SIGNED 25 ;;
    mx8_tls13)             ok swaks_msg "$t" "$c" $MX_SIGNED 25 --tls --tls-protocol tlsv1_3 ;;
    mx8_tls12)             ok swaks_msg "$t" "$c" $MX_SIGNED 25 "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 ;;
    # --- gateway, domains (gen/issue11.tsv): one client session, then the
    # connections the gateway opens for it (leg), in the order it opens them.
    gw_in_tls)             ok swaks_env "$t" "$c" $GW 25 mail.example.com alice@example.com bob@example.net --tls --tls-protocol tlsv1_3 \
                             && ok gw_settle && leg gw_relay_tls "$t-relay" ;;
    gw_in_clear)           ok swaks_env "$t" "$c" $GW 25 smtp.example.org carol@example.org dave@example.net \
                             && ok gw_settle && leg gw_relay_tls "$t-relay" ;;
    gw_in_tls12)           ok swaks_env "$t" "$c" $GW 25 relay.partner.example news@partner.example erin@sales.example.net "${TLS12[@]}" ECDHE-RSA-AES128-GCM-SHA256 \
                             && ok gw_settle && leg gw_relay_tls "$t-relay" ;;
    gw_sub_tls_com)        ok swaks_env "$t" "$c" $GW 25 ws1.example.net frank@example.net grace@example.com --tls --tls-protocol tlsv1_3 \
                             && ok gw_settle && leg gw_out_tls "$t-out" ;;
    gw_sub_clear_org)      ok swaks_env "$t" "$c" $GW 25 ws2.example.net heidi@example.net ivan@example.org \
                             && ok gw_settle && leg gw_out_clear "$t-out" ;;
    gw_sub_tls_org)        ok swaks_env "$t" "$c" $GW 25 ws1.example.net frank@example.net judy@example.org --tls --tls-protocol tlsv1_3 \
                             && ok gw_settle && leg gw_out_clear "$t-out" ;;
    # A forged sender to an unknown user: accepted, relayed, refused inside
    # (550 at RCPT, in TLS), bounced by the gateway to the forged sender in
    # clear with the null sender (backscatter).
    gw_backscatter)        ok swaks_env "$t" "$c" $GW 25 unknown.example billing@shop.test nobody@example.net \
                             && ok gw_settle && leg gw_relay_reject "$t-relay" && leg gw_bounce "$t-bounce" ;;
    d_in_clear_multi)      ok swaks_env "$t" "$c" $GW 25 smtp.example.org news@example.org 'bob@example.net,carol@sales.example.net,Dave@Example.NET' \
                             && ok gw_settle && leg gw_relay_tls "$t-relay" ;;
    d_in_clear_case)       ok swaks_env "$t" "$c" $GW 25 relay.partner.example Promo@News.Partner.Example Erin@SALES.example.net \
                             && ok gw_settle && leg gw_relay_tls "$t-relay" ;;
    d_list_clear)          ok swaks_env "$t" "$c" $GW 25 lists.example.net owner-staff@lists.example.net "$(list_rcpts)" \
                             && ok gw_settle && leg gw_out_tls3 "$t-out-tls" && leg gw_out_clear40 "$t-out-clear" ;;
    d_sub_tls_two)         ok swaks_env "$t" "$c" $GW 25 ws1.example.net frank@example.net judy@example.org,ivan@partner.example --tls --tls-protocol tlsv1_3 \
                             && ok gw_settle && leg gw_out_clear2 "$t-out" ;;
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

# --- findings-* captures: triggers first, then near-misses -------------------
# (gen/findings.tsv says which finding each kind must / must not raise)

fsessions() { # KIND:CLIENT... : run sequentially, tags NAME-N
  local kc n=0
  for kc in "$@"; do
    n=$((n + 1))
    run_session "${kc%%:*}" "$CAPTURE-$n" "${kc#*:}"
    sleep 0.5   # keep connection order = plan order
  done
}

cap_findings_stripped() {
  start_proxy $MX_STRIP 127.0.0.32=pix 127.0.0.33=drop
  fsessions strip_pass_tls:127.0.0.31 strip_pix:127.0.0.32 strip_drop:127.0.0.33 \
            strip_notls:127.0.0.34 strip_pass_plain:127.0.0.35
  stop_proxies
}

cap_findings_injection() {
  start_proxy $MX_INJECT 127.0.0.42=inject 127.0.0.43=inject 127.0.0.44=inject
  fsessions inject_client:127.0.0.41 inject_server_swaks:127.0.0.42 \
            inject_server_smtplib:127.0.0.43 inject_server_sclient:127.0.0.44 \
            inject_none_swaks:127.0.0.45 inject_none_smtplib:127.0.0.46
  stop_proxies
}

cap_findings_fallback() {
  start_sending_postfix
  fsessions fallback_relay_plain:$RELAY_CLIENT fallback_relay_other:$RELAY_CLIENT \
            fallback_hsfail:127.0.0.52 fallback_other_plain:127.0.0.52 \
            fallback_hsfail:127.0.0.53 fallback_retry_tls:127.0.0.53
  cp "$WORK/postfix-out/maillog" "$WORK/logs/$CAPTURE.sending-postfix.maillog"
  stop_postfix "$WORK/postfix-out"
}

cap_findings_obsolete() {
  fsessions obsolete_tls10:127.0.0.61 obsolete_tls11:127.0.0.62 obsolete_tls12:127.0.0.63
}

cap_findings_weak() {
  start_gnutls_serv
  start_proxy $MX_GNUTLS '*=offload'
  fsessions weak_null_sha256:127.0.0.71 weak_null_md5:127.0.0.72 weak_ecdhe_null:127.0.0.73 \
            weak_adh:127.0.0.74 weak_aecdh:127.0.0.75 weak_3des:127.0.0.76 \
            weak_rc4:127.0.0.77 weak_rc4_md5:127.0.0.78 \
            weak_none:127.0.0.79 weak_gnutls_none:127.0.0.80
  stop_proxies
}

cap_findings_cert() {
  fsessions cert_expired:127.0.0.81 cert_selfsigned:127.0.0.82 cert_signed:127.0.0.83 \
            cert_expired_tls13:127.0.0.84
}

cap_findings_465() {
  fsessions p465_plain:127.0.0.91 p465_plain_auth:127.0.0.92 p587_plain_auth:127.0.0.93 \
            p465_implicit:127.0.0.94 p587_starttls_auth:127.0.0.95
}

# --- starttls-retry: STARTTLS refused then accepted, failed then retried,
# sent again inside TLS, refused until the client gives up (gen/retry.tsv) ---
# --- issue 11: probes, gateway, domains, hours (gen/issue11.tsv) ----------
# probes: monitoring checks from $MONITOR (and a load balancer's from
# $BALANCER) between real deliveries to the same servers, one at a time.
cap_probes() {
  fsessions probe_helo_quit:$MONITOR mx8_plain:127.0.0.131 probe_ehlo_quit:$MONITOR \
            mx8_tls13:127.0.0.132 probe_connect:$MONITOR probe_banner:$MONITOR \
            mx8_tls13:127.0.0.133 probe_helo_rset:$BALANCER probe_starttls_cert:$MONITOR \
            plain_notls:127.0.0.134 probe_helo_quit_notls:$MONITOR probe_implicit:$MONITOR \
            mx8_tls12:127.0.0.131 probe_ehlo_quit:$MONITOR probe_helo_quit:$MONITOR \
            mx8_plain:127.0.0.132
}

# gateway: inbound (outside senders to the gateway, relayed to the mailbox
# server), outbound (inside clients to the gateway, sent on to example.com
# with STARTTLS or to example.org without), and a bounce.
cap_gateway() {
  start_gateway_postfix
  fsessions gw_in_tls:$OUT_A gw_in_clear:$OUT_B gw_in_tls12:$OUT_C \
            gw_sub_tls_com:$GW_WS1 gw_sub_clear_org:$GW_WS2 gw_sub_tls_org:$GW_WS1 \
            gw_backscatter:$OUT_D
  cp "$WORK/postfix-gw/maillog" "$WORK/logs/$CAPTURE.gateway-maillog"
  stop_postfix "$WORK/postfix-gw"
}

# domains: the same gateway; envelopes with many sender and recipient
# domains, in clear and over STARTTLS, a list of 43, a null-sender bounce.
cap_domains() {
  start_gateway_postfix
  fsessions d_in_clear_multi:$OUT_B gw_in_tls:$OUT_A d_list_clear:$GW_WS2 \
            d_sub_tls_two:$GW_WS1 gw_backscatter:$OUT_D d_in_clear_case:$OUT_C
  cp "$WORK/postfix-gw/maillog" "$WORK/logs/$CAPTURE.gateway-maillog"
  stop_postfix "$WORK/postfix-gw"
}

# hours: the sessions of gen/hours.tsv, one after another (seconds apart);
# post_hours then moves each to its time of day (gen/retime.py).
cap_hours() {
  local at kind client
  while IFS=$'\t' read -r at kind client; do
    [[ $at == \#* || -z $at ]] && continue
    run_session "$kind" "$CAPTURE-${at//:/}" "$client"
    sleep 0.3
  done <"$HOURS_PLAN"
}
post_hours() { "$PY" "$GEN/retime.py" "$HOURS_PLAN" "$1"; }

cap_starttls_retry() {
  start_exim
  start_aiosmtpd_at "$MX_AIO_RETRY" 25 mx24.example.test --refuse-starttls 1
  PROXY_PIDS+=("$LAST_PID")
  fsessions retry_helo_exim:127.0.0.101 retry_454_aio:127.0.0.102 \
            retry_newconn_tls:127.0.0.103 again_in_tls13:127.0.0.104 \
            again_in_tls_null:127.0.0.105 retry_refused_clear:127.0.0.106
  cp "$WORK/exim/log/mainlog" "$WORK/logs/$CAPTURE.exim-mainlog" 2>/dev/null || true
  stop_proxies
}

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
  if declare -F "post_${1//-/_}" >/dev/null; then
    "post_${1//-/_}" "$pcap" || die "post_${1//-/_} failed"
  fi
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
