# shellcheck shell=bash
# The platform's own certificate authority and the default certificate the
# router serves over HTTPS (sourced by scripts/up; uses log, die and the
# PAAS_* settings). Made with openssl under $PAAS_STATE_DIR/tls: the CA once
# (kept across runs, its key mode 0600), the wildcard for *.$PAAS_DOMAIN (and
# $PAAS_DOMAIN) issued again when missing, for another domain, or within 30
# days of its expiry. Users trust ca.crt (README: `curl --cacert`).

# tls_dir : where the CA and the default certificate live.
tls_dir() { echo "$PAAS_STATE_DIR/tls"; }

# default_cert_current CRT : whether CRT exists, names *.$PAAS_DOMAIN and is
# valid for 30 more days.
default_cert_current() {
  [ -s "$1" ] || return 1
  openssl x509 -in "$1" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 || return 1
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | grep -qF "DNS:*.$PAAS_DOMAIN" || return 1
}

# ensure_platform_ca : the CA and the default certificate, as above.
ensure_platform_ca() {
  local dir
  dir=$(tls_dir)
  mkdir -p "$dir"
  chmod 700 "$dir"
  (
    umask 077
    cd "$dir"
    if [ ! -s ca.key ] || [ ! -s ca.crt ]; then
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
        -days 3650 -subj "/O=paas/CN=paas platform CA ($PAAS_DOMAIN)" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
        die "cannot make the platform CA in $dir"
      log "made the platform CA $dir/ca.crt"
    fi
    if ! default_cert_current default.crt; then
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout default.key.tmp \
        -out default.csr -subj "/CN=*.$PAAS_DOMAIN" 2>/dev/null || die "cannot make the default certificate's key"
      printf 'subjectAltName=DNS:*.%s,DNS:%s\nextendedKeyUsage=serverAuth\n' "$PAAS_DOMAIN" "$PAAS_DOMAIN" >default.ext
      openssl x509 -req -in default.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 397 \
        -extfile default.ext -out default.crt.tmp 2>/dev/null || die "cannot sign the default certificate"
      mv default.key.tmp default.key
      mv default.crt.tmp default.crt
      rm -f default.csr default.ext
      log "made the default certificate for *.$PAAS_DOMAIN ($dir/default.crt)"
    fi
    chmod 600 ca.key default.key
    chmod 644 ca.crt default.crt
  )
}
