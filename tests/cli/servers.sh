# Real network servers for the command-line tests, on 127.0.0.1 only.
# Source it after lib.sh.  Each server runs on a free high port, as the
# user running the test (root or not), logs under $SANDBOX/servers, and is
# stopped by its PID when the test ends: on exit, failure, INT, TERM or HUP
# (an EXIT trap chained with lib.sh's), and even after a kill -9 of the test
# (each server gets SIGTERM when the test's shell dies: setpriv
# --pdeathsig).  No system service is used or needed.
#
#   start_git_daemon BASE     git daemon serving every repository under BASE,
#                             push allowed; sets GIT_DAEMON_URL=git://127.0.0.1:P
#                             (a repository BASE/x.git is $GIT_DAEMON_URL/x.git)
#   start_http BASE [USER PASS]
#                             lighttpd running git http-backend for BASE, push
#                             allowed, with basic auth when USER PASS are
#                             given; sets HTTP_URL=http://127.0.0.1:P
#                             (BASE/x.git is $HTTP_URL/x.git)
#   start_sshd                Debian's sshd; the client key is
#                             $HOME/.ssh/id_ed25519 (no passphrase) and
#                             $HOME/.ssh/known_hosts holds the host key.
#                             Sets SSH_URL_BASE=ssh://USER@127.0.0.1:P (a
#                             repository /abs/x.git is $SSH_URL_BASE/abs/x.git),
#                             SSHD_PORT, SSHD_HOSTKEY (the host key's private
#                             key file; .pub beside it) and exports
#                             GIT_SSH_COMMAND so stock git uses that key and
#                             known_hosts and nothing of the real user's.
#   sshd_new_hostkey          restart sshd on the same port with a new host
#                             key (known_hosts untouched: "host key changed")
#   start_tls                 openssl s_server with a self-signed certificate
#                             for 127.0.0.1 (no CA vouches for it); sets
#                             TLS_URL=https://127.0.0.1:P
#   closed_port               prints a port with nothing listening on it
#   stop_servers              stops every server (also done on exit)
#
# Each start_* returns 1 (after printing the server's log) if the server
# would not start after 5 tries on fresh ports.  Server-side git sees the
# sandbox's HOME and no system configuration.  SSH_AUTH_SOCK is unset (no
# agent of the real user's).  A test that sets its own EXIT trap after
# sourcing this must call stop_servers in it.

SERVERS_DIR=$SANDBOX/servers
mkdir -p "$SERVERS_DIR"
SERVER_PIDS=()
GIT_DAEMON_PID= HTTP_PID= SSHD_PID=
unset SSH_AUTH_SOCK SSH_AGENT_PID SSH_ASKPASS DISPLAY GIT_ASKPASS

# Chain with lib.sh's EXIT trap (which removes $SANDBOX): servers first.
_servers_prev_trap=$(trap -p EXIT)
eval "_servers_prev_trap=(${_servers_prev_trap:-x x '' x})"
trap "stop_servers; ${_servers_prev_trap[2]}" EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice).
_free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

_port_answers() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port with nothing listening on it (for "cannot reach").
closed_port() {
	local p
	while :; do
		p=$(_free_port)
		_port_answers "$p" || break
	done
	echo "$p"
}

# _alive PID: running (not gone, not a zombie waiting to be reaped).
_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# _launch LOG PORT CMD...: start CMD in the background, wait (up to 10 s)
# until PORT answers while CMD still runs.  Sets _PID.  Returns 1 if CMD
# died or never answered (then it is stopped).
_launch() {
	local log=$1 port=$2 i
	shift 2
	_PID=
	_port_answers "$port" && return 1
	setpriv --pdeathsig TERM "$@" >>"$log" 2>&1 </dev/null &
	_PID=$!
	SERVER_PIDS+=("$_PID")
	for ((i = 0; i < 200; i++)); do
		_alive "$_PID" || break
		if _port_answers "$port"; then
			_alive "$_PID" && return 0
			break
		fi
		sleep 0.05
	done
	_stop_pid "$_PID"
	return 1
}

# _stop_pid PID: SIGTERM, up to 5 s to go, then SIGKILL; reaped.
_stop_pid() {
	local pid=$1 i p keep=()
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		_alive "$pid" || break
		sleep 0.05
	done
	_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for p in "${SERVER_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	SERVER_PIDS=("${keep[@]}")
	return 0
}

stop_servers() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${SERVER_PIDS[@]}"; do
		_stop_pid "$pid"
	done
	SERVER_PIDS=()
	GIT_DAEMON_PID= HTTP_PID= SSHD_PID=
	return 0
}

_start_failed() {
	printf 'servers.sh: %s would not start; its log %s:\n' "$1" "$2" >&2
	tail -n 20 "$2" >&2
	return 1
}

start_git_daemon() {
	local base=$1 port try log=$SERVERS_DIR/git-daemon.log
	for try in 1 2 3 4 5; do
		port=$(_free_port)
		if _launch "$log" "$port" git daemon --reuseaddr --verbose \
			--informative-errors --listen=127.0.0.1 --port="$port" \
			--base-path="$base" --export-all --enable=receive-pack \
			"$base"; then
			GIT_DAEMON_PID=$_PID
			GIT_DAEMON_URL=git://127.0.0.1:$port
			return 0
		fi
	done
	_start_failed "git daemon" "$log"
}

start_tls() {
	local port try log=$SERVERS_DIR/tls.log key=$SERVERS_DIR/tls.key
	local cert=$SERVERS_DIR/tls.crt
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$key" -out "$cert" \
		>>"$log" 2>&1 || { _start_failed "openssl req" "$log"; return 1; }
	for try in 1 2 3 4 5; do
		port=$(_free_port)
		if _launch "$log" "$port" openssl s_server -quiet -www \
			-accept "127.0.0.1:$port" -key "$key" -cert "$cert"; then
			TLS_URL=https://127.0.0.1:$port
			return 0
		fi
	done
	_start_failed "openssl s_server" "$log"
}

# lighttpd's mod_cgi gives the CGI a fresh environment: what git
# http-backend needs is set here (push allowed without REMOTE_USER, no
# system or user configuration).
start_http() {
	local base=$1 user=${2:-} pass=${3:-} port try conf log auth=
	local backend
	backend=$(git --exec-path)/git-http-backend
	for try in 1 2 3 4 5; do
		port=$(_free_port)
		conf=$SERVERS_DIR/lighttpd-$port.conf
		log=$SERVERS_DIR/lighttpd-$port.log
		if [ -n "$user" ]; then
			printf '%s:%s\n' "$user" "$pass" >"$SERVERS_DIR/http-users-$port"
			auth='
auth.backend = "plain"
auth.backend.plain.userfile = "'$SERVERS_DIR/http-users-$port'"
auth.require = ( "/" => ( "method" => "basic", "realm" => "spiral test",
                          "require" => "valid-user" ) )'
		fi
		cat >"$conf" <<-EOF
		server.modules = ( "mod_auth", "mod_authn_file", "mod_alias",
		                   "mod_setenv", "mod_cgi" )
		server.bind = "127.0.0.1"
		server.port = $port
		server.document-root = "$base"
		server.errorlog = "$log"
		server.max-request-size = 65536
		alias.url = ( "/" => "$backend/" )
		cgi.assign = ( "" => "" )
		setenv.set-environment = (
		  "GIT_PROJECT_ROOT" => "$base",
		  "GIT_HTTP_EXPORT_ALL" => "1",
		  "GIT_CONFIG_NOSYSTEM" => "1",
		  "HOME" => "$SERVERS_DIR",
		  "GIT_CONFIG_COUNT" => "1",
		  "GIT_CONFIG_KEY_0" => "http.receivepack",
		  "GIT_CONFIG_VALUE_0" => "true",
		  "PATH" => "/usr/bin:/bin"
		)
		$auth
		EOF
		if _launch "$log" "$port" /usr/sbin/lighttpd -D -f "$conf"; then
			HTTP_PID=$_PID
			HTTP_URL=http://127.0.0.1:$port
			return 0
		fi
	done
	_start_failed lighttpd "$log"
}

# sshd as root needs /run/sshd (its privilege separation directory) and a
# root login by key; as another user it can only log that user in.  With
# UsePAM no, sshd refuses an account whose password is locked ('!'), which
# only a root sshd can see: then PAM is tried first.  start_sshd checks a
# login with the ssh client and tries the other UsePAM if it fails.
# Sessions get the sandbox's HOME (not the real ~/.bashrc, which bash reads
# for an ssh command).
SSHD_PAM=no
if [ "$(id -u)" -eq 0 ]; then
	case $(getent shadow "$(id -un)" | cut -d: -f2) in
	'!'*) SSHD_PAM=yes ;;
	esac
fi

_sshd_config() {
	local port=$1 hostkey=$2
	if [ "$(id -u)" -eq 0 ]; then
		mkdir -p /run/sshd
		chmod 0755 /run/sshd
	fi
	cat >"$SERVERS_DIR/sshd_config" <<-EOF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $hostkey
	PidFile none
	AuthorizedKeysFile $SERVERS_DIR/authorized_keys
	AllowUsers $(id -un)
	PermitRootLogin prohibit-password
	StrictModes no
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM $SSHD_PAM
	PrintMotd no
	SetEnv HOME=$HOME GIT_CONFIG_NOSYSTEM=1
	LogLevel VERBOSE
	EOF
}

# _sshd_on PORT HOSTKEY
_sshd_on() {
	_sshd_config "$1" "$2"
	if _launch "$SERVERS_DIR/sshd.log" "$1" \
		/usr/sbin/sshd -D -e -f "$SERVERS_DIR/sshd_config"; then
		SSHD_PID=$_PID
		return 0
	fi
	return 1
}

_new_hostkey() {
	SSHD_HOSTKEY=$SERVERS_DIR/hostkey-$RANDOM$RANDOM
	ssh-keygen -q -t ed25519 -N '' -C spiral-test-host -f "$SSHD_HOSTKEY"
}

_ssh_login_works() {
	$GIT_SSH_COMMAND -p "$SSHD_PORT" "$(id -un)@127.0.0.1" true \
		</dev/null >>"$SERVERS_DIR/sshd.log" 2>&1
}

start_sshd() {
	local port try
	mkdir -p "$HOME/.ssh"
	chmod 0700 "$HOME/.ssh"
	[ -f "$HOME/.ssh/id_ed25519" ] ||
		ssh-keygen -q -t ed25519 -N '' -C spiral-test-user \
			-f "$HOME/.ssh/id_ed25519"
	cp "$HOME/.ssh/id_ed25519.pub" "$SERVERS_DIR/authorized_keys"
	_new_hostkey
	for try in 1 2 3 4 5; do
		port=$(_free_port)
		_sshd_on "$port" "$SSHD_HOSTKEY" && break
		port=
	done
	[ -n "$port" ] || { _start_failed sshd "$SERVERS_DIR/sshd.log"; return; }
	SSHD_PORT=$port
	SSH_URL_BASE=ssh://$(id -un)@127.0.0.1:$port
	printf '[127.0.0.1]:%s %s\n' "$port" \
		"$(cut -d' ' -f1,2 "$SSHD_HOSTKEY.pub")" >"$HOME/.ssh/known_hosts"
	export GIT_SSH_COMMAND="ssh -F /dev/null -o BatchMode=yes \
-o IdentitiesOnly=yes -o IdentityFile=$HOME/.ssh/id_ed25519 \
-o UserKnownHostsFile=$HOME/.ssh/known_hosts -o GlobalKnownHostsFile=/dev/null \
-o StrictHostKeyChecking=yes"
	_ssh_login_works && return 0
	# The other UsePAM, same port.
	_stop_pid "$SSHD_PID"
	if [ "$SSHD_PAM" = yes ]; then SSHD_PAM=no; else SSHD_PAM=yes; fi
	_sshd_on "$SSHD_PORT" "$SSHD_HOSTKEY" && _ssh_login_works && return 0
	_start_failed "sshd (no login by key)" "$SERVERS_DIR/sshd.log"
}

# Same port, new host key (the old one stays in known_hosts).
sshd_new_hostkey() {
	local try
	_stop_pid "$SSHD_PID"
	SSHD_PID=
	_new_hostkey
	for try in 1 2 3 4 5; do
		_sshd_on "$SSHD_PORT" "$SSHD_HOSTKEY" && return 0
		sleep 0.2
	done
	_start_failed sshd "$SERVERS_DIR/sshd.log"
}
