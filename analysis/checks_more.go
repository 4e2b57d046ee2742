package analysis

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

func isDunder(s string) bool {
	return len(s) > 4 && strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__")
}

// dunderRisk lists the attributes of introspection-based escapes.
var dunderRisk = map[string]bool{"__class__": true, "__bases__": true, "__base__": true, "__mro__": true,
	"__subclasses__": true, "__globals__": true, "__code__": true, "__closure__": true,
	"__getattribute__": true, "__builtins__": true, "__func__": true, "__self__": true, "__loader__": true,
	"__init__": true, "__reduce__": true, "__reduce_ex__": true, "__import__": true, "__spec__": true}

// strongDunder are dangerous even alone.
var strongDunder = map[string]bool{"__subclasses__": true, "__globals__": true, "__builtins__": true,
	"__code__": true, "__closure__": true, "__getattribute__": true}

// topOf returns the outermost node of the chain n is part of.
func (a *analyzer) topOf(n int32) int32 {
	for i := 0; i < maxEvalDepth && !a.chainTop(n); i++ {
		n = a.t.nodes[n].parent
	}
	return n
}

// chainTop says whether n is the outermost node of an attribute/call/
// subscript chain.
func (a *analyzer) chainTop(n int32) bool {
	t := a.t
	for i := 0; i < maxEvalDepth; i++ {
		p := t.nodes[n].parent
		if p == none {
			return true
		}
		switch t.kind(p) {
		case "attribute":
			if t.child(p, "object") == n {
				return false
			}
			return true
		case "subscript":
			if t.child(p, "value") == n {
				return false
			}
			return true
		case "call":
			if t.child(p, "function") != n {
				return true
			}
			n = p
		default:
			return true
		}
	}
	return true
}

// checkAttribute: dunder chains and attribute references that matter on
// their own (ssl.CERT_NONE, weak protocols, os.environ).
func (a *analyzer) checkAttribute(n int32, sc *scope) {
	t := a.t
	attr := a.ident(t.child(n, "attribute"))
	if isDunder(attr) && dunderRisk[attr] {
		top := a.topOf(n)
		if !a.dunderSeen[top] {
			a.dunderSeen[top] = true
			a.checkDunderChain(top, sc)
		}
	}
	switch attr {
	case "f_globals", "f_locals", "f_builtins":
		a.checkFrameAttr(n, sc, attr)
	case "CERT_NONE":
		if p := t.nodes[n].parent; p != none && t.kind(p) == "comparison_operator" {
			return
		}
		if v := a.eval(n, sc, 0); v.qual == "ssl.CERT_NONE" {
			a.report("CDN404", n, "ssl.CERT_NONE", "ssl.CERT_NONE turns off certificate verification")
		}
	case "PROTOCOL_SSLv2", "PROTOCOL_SSLv3", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1", "SSLv2_METHOD", "SSLv3_METHOD", "TLSv1_METHOD", "TLSv1_1_METHOD", "SSLv23_METHOD":
		a.report("CDN405", n, attr, "%s is a broken TLS/SSL protocol version", attr)
	case "environ":
		if v := a.eval(n, sc, 0); v.env {
			p := t.nodes[n].parent
			pk := t.kind(p)
			if pk == "subscript" && t.child(p, "value") == n {
				return
			}
			if pk == "attribute" {
				m := a.ident(t.child(p, "attribute"))
				if m == "get" || m == "setdefault" || m == "pop" || m == "__contains__" {
					return
				}
				if m == "copy" || m == "items" || m == "values" {
					// os.environ.items() handed on whole, not iterated.
					if call := t.nodes[p].parent; call != none && t.kind(call) == "call" {
						gp := t.nodes[call].parent
						// env = os.environ.copy() counts too, unless the copy
						// only goes to a child process.
						if gp != none && (wholesale(t.kind(gp)) || m == "copy" && t.kind(gp) == "assignment") &&
							!a.envOnlyForChildren(call, sc) {
							a.sensitive(n)
						}
					}
				}
				return
			}
			if (wholesale(pk) || pk == "dictionary_splat") && !a.envOnlyForChildren(n, sc) {
				a.sensitive(n)
			}
		}
	case "check_hostname":
	}
}

// wholesale says whether a node of kind k hands its child on whole (a call
// argument, a dict value, a keyword value).
func wholesale(k string) bool {
	switch k {
	case "argument_list", "keyword_argument", "pair", "list", "tuple", "return_statement":
		return true
	}
	return false
}

func (a *analyzer) sensitive(n int32) {
	if !a.facts.sensitive {
		a.facts.sensNode = n
	}
	a.facts.sensitive = true
}

func (a *analyzer) checkDunderChain(top int32, sc *scope) {
	t := a.t
	var names []string
	n, base := top, int32(none)
	for i := 0; i < maxEvalDepth && n != none; i++ {
		base = n
		switch t.kind(n) {
		case "attribute":
			an := a.ident(t.child(n, "attribute"))
			if isDunder(an) {
				names = append(names, an)
			}
			n = t.child(n, "object")
		case "subscript":
			if k := t.child(n, "subscript"); t.kind(k) == "string" {
				if v, _, ok := t.stringValue(k); ok && isDunder(v) {
					names = append(names, v)
				}
			}
			n = t.child(n, "value")
		case "call":
			n = t.child(n, "function")
		case "parenthesized_expression":
			ch := t.namedChildren(n)
			if len(ch) != 1 {
				n = none
			} else {
				n = ch[0]
			}
		default:
			n = none
		}
	}
	has := map[string]bool{}
	for _, s := range names {
		has[s] = true
	}
	sev := policy.Severity("")
	switch {
	case has["__subclasses__"], has["__builtins__"] && len(names) >= 2,
		has["__globals__"] && len(names) >= 2, has["__code__"] && has["__globals__"],
		(has["__bases__"] || has["__base__"] || has["__mro__"]) && has["__subclasses__"]:
		sev = high
	case len(names) >= 2 && (has["__globals__"] || has["__code__"] || has["__closure__"] || has["__getattribute__"] || has["__mro__"] || has["__bases__"] || has["__base__"]):
		sev = medium
	case has["__globals__"] || has["__builtins__"]:
		sev = medium
	}
	if sev == "" {
		return
	}
	if len(names) == 1 && names[0] == "__subclasses__" && (a.localClass(base) || a.eval(base, sc, 0).localCls) {
		// Plugin.__subclasses__() of a class defined here: a registry of
		// the file's own classes, not a way to object's.
		fi := a.finding("CDN107", top, fmt.Sprintf("__subclasses__ of %s, a class defined in this file", a.ident(base)), "__subclasses__")
		fi.Severity = low
		a.emit(fi)
		return
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	fi := a.finding("CDN107", top, fmt.Sprintf("introspection chain %s reaches interpreter internals", strings.Join(names, ".")), strings.Join(names, "."))
	fi.Severity = sev
	a.emit(fi)
}

// checkSubscript: namespace lookups by string (globals()["x"],
// __builtins__["exec"], m.__dict__["system"]).
func (a *analyzer) checkSubscript(n int32, sc *scope) {
	t := a.t
	base := a.eval(t.child(n, "value"), sc, 0)
	if !base.ns {
		return
	}
	key := a.eval(t.child(n, "subscript"), sc, 0)
	owner := base.qual
	if owner == "" {
		owner = "globals()"
	}
	if !key.isStr {
		fi := a.finding("CDN105", n, fmt.Sprintf("lookup in %s namespace with a key computed at run time", owner), owner)
		if owner == "builtins" || key.decoded != "" || key.obf || dangerousModule[owner] {
			fi.Severity = high
		}
		a.emit(fi)
		return
	}
	fi := a.finding("CDN105", n, fmt.Sprintf("lookup of %q in the %s namespace by string", key.str, owner), owner+"."+key.str)
	if owner == "builtins" || key.str == "__builtins__" || dangerousName[key.str] || key.obf {
		fi.Severity = high
	}
	a.emit(fi)
}

// dangerousModule lists modules whose attributes reached by computed names
// are a high finding.
var dangerousModule = map[string]bool{"os": true, "subprocess": true, "builtins": true, "pty": true,
	"ctypes": true, "socket": true, "shutil": true, "importlib": true, "sys": true, "marshal": true,
	"pickle": true, "posix": true, "commands": true, "platform": true, "code": true, "runpy": true}

var dangerousName = map[string]bool{"exec": true, "eval": true, "compile": true, "__import__": true,
	"system": true, "popen": true, "getattr": true, "open": true, "execfile": true}

func (a *analyzer) checkIdentifier(n int32, sc *scope) {
	t := a.t
	a.checkNonASCIIIdent(n)
	if t.text(n) == "__builtins__" {
		if _, bound := sc.lookup("__builtins__"); !bound {
			a.report("CDN105", n, "__builtins__", "access to __builtins__")
		}
	}
}

// checkImport reports imports that are findings on their own.
func (a *analyzer) checkImport(n int32, mod string) {
	switch {
	case mod == "ctypes" || strings.HasPrefix(mod, "ctypes."):
		fi := a.finding("CDN801", n, "imports ctypes (native calls)", mod)
		fi.Severity = medium
		a.emit(fi)
	case mod == "cffi" || strings.HasPrefix(mod, "cffi."):
		fi := a.finding("CDN802", n, "imports cffi (native calls)", mod)
		fi.Severity = medium
		a.emit(fi)
	case mod == "pynput" || strings.HasPrefix(mod, "pynput.") || mod == "keyboard" || mod == "pyHook" || mod == "pyxhook":
		fi := a.finding("CDN902", n, "imports a keyboard/mouse hooking library", mod)
		fi.Severity = medium
		a.emit(fi)
	case mod == "telnetlib" || mod == "ftplib":
		fi := a.finding("CDN605", n, "imports "+mod+" (clear-text protocol)", mod)
		fi.Severity = low
		a.emit(fi)
	case mod == "pickle" || mod == "dill" || mod == "shelve" || mod == "marshal" || mod == "cloudpickle":
		id := "CDN301"
		if mod == "marshal" {
			id = "CDN302"
		}
		fi := a.finding(id, n, "imports "+mod+" (deserialisation that can run code)", mod)
		fi.Severity = low
		a.emit(fi)
	case mod == "builtins" || mod == "builtins.__dict__":
		a.report("CDN105", n, mod, "imports the builtins module")
	}
}

var (
	sensitivePaths = regexp.MustCompile(`(?i)(/etc/(shadow|gshadow|sudoers|master\.passwd)\b|\.ssh(/|\\|$)|id_(rsa|dsa|ecdsa|ed25519)\b|/proc/(self|\d+|\*|[^/]*\{)[^ ]*/(environ|mem|maps|cmdline)\b|\.aws/credentials|\.aws/config|\.kube/config|\.docker/config\.json|\.netrc\b|\.git-credentials|\.bash_history|\.zsh_history|/var/run/docker\.sock|docker\.sock|\.gnupg|\.config/gcloud|\.azure/|Login Data|Local State|[/\\]Cookies\b|\.mozilla/firefox|key[34]\.db|logins\.json|Local Storage[/\\]leveldb|wallet\.dat|\.electrum|Exodus|\.password-store|/etc/ssl/private|\.pgpass|\.pypirc|\.npmrc|keychain|User Data[/\\]|discord(canary|ptb)?[/\\]|[/\\]leveldb|BraveSoftware|Opera Software|Telegram Desktop[/\\]tdata|FileZilla[/\\]|recentservers\.xml|sitemanager\.xml|\.purple[/\\]accounts|ssfn|MetaMask|nkbihfbeogaeaoehlefnkodbefgpgknn|^/dev/(sd[a-z]|nvme\d|hd[a-z]|mem|kmem|port|disk/)|^\\\\\.\\PhysicalDrive)`)
	passwdPath     = regexp.MustCompile(`^/etc/(passwd|group|hosts)$`)
	persistPaths   = regexp.MustCompile(`(?i)(/etc/cron|/var/spool/cron|\bcrontab\b|\.bashrc|\.bash_profile|\.zshrc|\.profile\b|/etc/profile|/etc/rc\.local|/etc/systemd/system|\.config/systemd/user|/etc/init\.d|authorized_keys|ld\.so\.preload|\bLD_PRELOAD\b|\.config/autostart|CurrentVersion\\+Run|Start Menu\\+Programs\\+Startup|/Library/LaunchAgents|/Library/LaunchDaemons|sitecustomize\.py|usercustomize\.py|[/\\][^/\\]*\.pth$)`)
	metadataRe     = regexp.MustCompile(`169\.254\.169\.254|metadata\.google\.internal|100\.100\.100\.200|fd00:ec2::254|169\.254\.170\.2`)
	exfilRe        = regexp.MustCompile(`(?i)(discord(app)?\.com/api/webhooks|hooks\.slack\.com/services|api\.telegram\.org/bot|pastebin\.com|paste\.ee|hastebin|ngrok\.io|ngrok-free\.app|transfer\.sh|webhook\.site|requestbin|pipedream\.net|oast\.(fun|live|site|me|pro|online)|interact\.sh|burpcollaborator\.net|dnslog\.cn|ceye\.io|anonfiles\.com|file\.io/|0x0\.st|termbin\.com|raw\.githubusercontent\.com/[^ ]*\.(exe|sh|ps1|bat)\b)`)
	commandRe      = regexp.MustCompile(`(?i)((curl|wget)\s[^|;]*\|\s*(ba|z|da|k)?sh\b|(curl|wget)\s[^;|]*(&&|;)\s*(chmod|sh|bash|\./)|/dev/tcp/|/dev/udp/|\bnc(at)?\s+(-[a-z]*e|.*\s-e\s)|\bbash\s+-i\b|\bsh\s+-i\b|\brm\s+(-{1,2}[\w-]+\s+)*(-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\s+(-{1,2}[\w-]+\s+)*(/|~|\$HOME|\*|/\*)(\s|$)|\bmkfifo\b|powershell(\.exe)?\s+.*-(e|enc|encodedcommand)\s|\bcertutil\s+.*-urlcache|\bIEX\s*\(|Invoke-Expression|DownloadString\(|\bchmod\s+(\+s|[ugo]*\+x)\s+/tmp|:\(\)\s*\{\s*:\|:&\s*\};:|\bdd\s+if=/dev/(zero|random)\s+of=/dev/sd|\bmkfs\b|\bsocat\b.*exec|base64\s+-d\s*\|\s*(ba)?sh|stratum\+(tcp|ssl)://|\bxmrig\b|\bminerd\b|cryptonight|schtasks(\.exe)?\s+/create|\breg(\.exe)?\s+add\s|vssadmin(\.exe)?\s+delete|\bbcdedit\b|wevtutil(\.exe)?\s+cl|netsh\s+advfirewall\s+set\s.*\boff\b|\battrib\s+\+h|-w(indowstyle)?\s+hidden|\bsetenforce\s+0|\biptables\s+-F|\bhistory\s+-c|\bchattr\s+\+i|\bshred\s|\bsudo\s+(-S\s+)?(rm|chmod|chown|useradd|bash|sh)\b|python[23]?(\.exe)?\s+-c\s+.*socket|Set-MpPreference\s+-Disable|DisableRealtimeMonitoring|\bperl\s+-e\s+.*socket|\bphp\s+-r\s+.*fsockopen|\bkill\s+(-(9|KILL|TERM|15|s\s+\w+)\s+)?-1\b|\bkillall5\b|\bkill\s+-(9|KILL)\s+1\b)`)
	tokenRe        = regexp.MustCompile(`(AKIA|ASIA)[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}|gho_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,}|xox[baprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{35}|-----BEGIN ((RSA|EC|DSA|OPENSSH|PGP|ENCRYPTED) )?PRIVATE KEY|glpat-[A-Za-z0-9_-]{20}|sk-[A-Za-z0-9]{40,}`)
	ransomRe       = regexp.MustCompile(`(?i)(your (important |personal )?files (have been|are|were) (encrypted|locked)|files have been encrypted|pay .{0,40}(bitcoin|btc|monero|xmr) .{0,60}(decrypt|files)|to decrypt your files)`)
	tmpRe          = regexp.MustCompile(`^(/tmp|/var/tmp|/dev/shm)(/|$)`)
	blobRe         = regexp.MustCompile(`^[A-Za-z0-9+/=\s]{512,}$|^(\\x[0-9a-fA-F]{2}){64,}$|^[0-9a-fA-F]{512,}$`)
)

// checkString scans a string literal's value.
func (a *analyzer) checkString(n int32, sc *scope) {
	t := a.t
	p := t.nodes[n].parent
	if p != none && t.kind(p) == "expression_statement" {
		return // docstring or bare string
	}
	s, _, ok := t.stringValue(n)
	if !ok {
		var b strings.Builder
		for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
			if t.kind(c) == "string_content" {
				b.WriteString(t.text(c))
			}
		}
		s = b.String()
	}
	if len(s) == 0 {
		return
	}
	if !interesting(s) {
		return
	}
	short := s
	if len(short) > 80 {
		short = short[:80] + "..."
	}
	ls := strings.ToLower(s)
	if hasAny(ls, sensitiveHints) && len(s) < 4096 {
		if !a.shownOrMatched(n, sc) {
			a.sensitivePath(n, s, short)
		}
	} else if passwdPath.MatchString(s) {
		fi := a.finding("CDN505", n, fmt.Sprintf("reference to %q", s), s)
		fi.Severity = medium
		a.emit(fi)
	}
	if hasAny(ls, persistHints) && len(s) < 4096 {
		if m := persistPaths.FindString(s); m != "" && !a.shownOrMatched(n, sc) {
			fi := a.finding("CDN506", n, fmt.Sprintf("reference to persistence location %q", short), m)
			if strings.Count(s, " ") >= 4 && !strings.ContainsAny(s, "|>") {
				// Prose (help text, instructions to the user) that names
				// the file, not a path being written or a shell line
				// appending to it.
				fi.Severity = low
				fi.Message = fmt.Sprintf("persistence location named in text %q", short)
			}
			a.emit(fi)
		}
	}
	if hasAny(ls, metadataHints) {
		if m := metadataRe.FindString(s); m != "" {
			a.sensitive(n)
			a.report("CDN606", n, m, "cloud metadata endpoint %s", m)
		}
	}
	if hasAny(ls, exfilHints) {
		if m := exfilRe.FindString(s); m != "" {
			a.facts.netSink = true
			a.report("CDN607", n, m, "exfiltration or payload endpoint %s", m)
		}
	}
	if hasAny(ls, commandHints) {
		if m := commandRe.FindString(s); m != "" && !a.shownOrMatched(n, sc) {
			a.reportCommandString(n, m, sc)
		}
	}
	if strings.Contains(s, "{24}") && strings.Contains(s, "{27}") || strings.Contains(s, `mfa\.`) {
		a.sensitive(n)
		a.report("CDN505", n, "discord token", "pattern of a Discord token: token grabbing")
	}
	if hasAny(ls, ransomHints) && ransomRe.MatchString(s) {
		a.report("CDN508", n, "", "ransom note text %q", short)
	}
	if hasAny(ls, ipLookupHints) {
		a.facts.recon = true
	}
	if hasAny(ls, tokenHints) {
		if m := tokenRe.FindString(s); m != "" {
			a.report("CDN502", n, "", "literal in a known credential format (%s...)", m[:min(len(m), 8)])
		}
	}
	a.checkStringRest(n, s, short, sc)
}

func (a *analyzer) sensitivePath(n int32, s, short string) {
	m := sensitivePaths.FindString(s)
	if m == "" {
		return
	}
	fi := a.finding("CDN505", n, fmt.Sprintf("reference to sensitive path %q", short), m)
	lm := strings.ToLower(m)
	switch {
	case strings.Count(s, " ") >= 4 && !strings.ContainsAny(s, "|;&"):
		// Prose (a message about the file), not a path being opened.
		fi.Severity = low
	case lm == ".netrc" || lm == ".pypirc" || lm == ".npmrc" || lm == ".pgpass" || strings.HasSuffix(lm, "history"):
		fi.Severity = medium
	default:
		a.sensitive(n)
	}
	a.emit(fi)
}

func hasAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// Cheap lower-case substring filters: a literal reaches a regexp only if
// it holds one of its hints.
var (
	sensitiveHints = []string{"/etc/", ".ssh", "id_", "/proc/", ".aws", ".kube", ".docker", ".netrc", ".git-cred", "history", "docker.sock", ".gnupg", "gcloud", ".azure", "login data", "local state", "cookies", ".mozilla", "key3", "key4", "logins.json", "local storage", "wallet", ".electrum", "exodus", ".password-store", ".pgpass", ".pypirc", ".npmrc", "keychain", "ssl/private", "user data", "discord", "leveldb", "bravesoftware", "opera software", "tdata", "filezilla", "recentservers", "sitemanager", ".purple", "ssfn", "metamask", "nkbihfbeogaeaoehlefnkodbefgpgknn", "/dev/", "physicaldrive"}
	persistHints   = []string{"cron", "rc", "profile", "systemd", "init.d", "authorized_keys", "preload", "autostart", "currentversion", "startup", "launch", "customize", ".pth"}
	metadataHints  = []string{"169.254", "metadata.google", "100.100.100.200", "fd00:ec2"}
	exfilHints     = []string{"discord", "slack", "telegram", "paste", "ngrok", "transfer.sh", "webhook", "requestbin", "pipedream", "oast", "interact.sh", "burpcollab", "dnslog", "ceye", "anonfiles", "file.io", "0x0.st", "termbin", "raw.githubusercontent"}
	commandHints   = []string{"kill -", "kill\t", "killall5", "curl", "wget", "/dev/", "nc ", "ncat", "bash", "sh -i", "rm -", "mkfifo", "powershell", "certutil", "iex", "invoke-expression", "downloadstring", "chmod", ":(){", "dd if", "mkfs", "socat", "base64", "stratum", "xmrig", "minerd", "cryptonight", "schtasks", "reg ", "reg\t", "reg.exe", "vssadmin", "bcdedit", "wevtutil", "netsh", "attrib", "hidden", "setenforce", "iptables", "history -c", "chattr", "shred", "sudo", "socket", "mppreference", "realtimemonitoring", "fsockopen"}
	ransomHints    = []string{"encrypted", "locked", "decrypt", "bitcoin", "btc", "monero", "xmr"}
	ipLookupHints  = []string{"api.ipify.org", "ifconfig.me", "ipinfo.io", "icanhazip", "checkip.amazonaws", "ip-api.com", "myexternalip", "wtfismyip", "ipapi.co"}
	tokenHints     = []string{"akia", "asia", "ghp_", "gho_", "github_pat_", "xox", "sk_live_", "aiza", "private key", "glpat-", "sk-"}
)

func (a *analyzer) checkStringRest(n int32, s, short string, sc *scope) {
	if (s == "0.0.0.0" || s == "::") && !a.shownOrMatched(n, sc) {
		a.report("CDN604", n, s, "binding or serving on all interfaces (%s)", s)
	}
	if tmpRe.MatchString(s) {
		fi := a.finding("CDN503", n, fmt.Sprintf("hard-coded temporary path %q", short), "")
		fi.Severity = low
		a.emit(fi)
	}
	if len(s) >= 512 && !strings.ContainsAny(s[:64], " ,;()") && blobRe.MatchString(s) {
		a.report("CDN901", n, "", "long encoded blob (%d characters)", len(s))
	}
}

// interesting is a cheap filter before the literal regexps: every pattern
// they match needs one of these bytes or a long string.
func interesting(s string) bool {
	if len(s) >= 20 {
		return true
	}
	return strings.ContainsAny(s, "/\\.:|-") || strings.Contains(s, "Cookies") || strings.Contains(s, "LD_PRELOAD") || strings.Contains(s, "crontab") || strings.Contains(s, "keychain") || strings.Contains(s, "Exodus") ||
		strings.Contains(s, "Login") || strings.Contains(s, "Local") || strings.Contains(s, "wallet") || strings.Contains(s, "id_")
}

// checkAssignment: secrets bound to names, check_hostname = False,
// random values for tokens.
func (a *analyzer) checkAssignment(left, right int32, v value, sc *scope) {
	t := a.t
	name := ""
	switch t.kind(left) {
	case "identifier":
		name = a.ident(left)
	case "attribute":
		name = a.ident(t.child(left, "attribute"))
	case "subscript":
		if k := a.eval(t.child(left, "subscript"), sc, 0); k.isStr {
			name = k.str
		}
	}
	if name == "" {
		return
	}
	if t.kind(left) == "attribute" {
		switch {
		case name == "__code__" && !(v.isNum && v.num == 0):
			a.report("CDN107", left, "__code__", "assigning __code__ swaps the code a function runs")
			return
		case (name == "name" || name == "filename" || name == "arcname") && v.isStr && traversal(v.str) && a.archiveMember(t.child(left, "object"), sc):
			a.reportAt(high, "CDN509", left, "", "archive member renamed to %q: extracting it writes outside the target directory", v.str)
			return
		}
	}
	if name == "check_hostname" && v.isNum && v.num == 0 {
		a.report("CDN404", left, "ssl.SSLContext.check_hostname", "check_hostname = False turns off host name verification")
		return
	}
	if name == "verify_mode" && strings.Contains(t.text(right), "CERT_NONE") {
		return // reported as the CERT_NONE reference
	}
	a.checkSecret(name, right, v)
}

func (a *analyzer) checkSecret(name string, node int32, v value) {
	if ln := strings.ToLower(name); !hasAny(ln, secretHints) || !secretName.MatchString(name) || strings.HasSuffix(ln, "_file") {
		return
	}
	if rc := ruleFor(strings.TrimSuffix(a.eval(a.t.child(node, "function"), newScope(nil), 0).qual, "()")); rc == "CDN402" {
		fi := a.finding("CDN402", node, fmt.Sprintf("%s is made with the random module; use secrets", name), "random")
		fi.Severity = medium
		a.emit(fi)
		return
	}
	if !v.isStr || a.t.kind(node) != "string" {
		return
	}
	s := v.str
	if len(s) < 4 || strings.EqualFold(s, name) || placeholder(s) {
		return
	}
	if tokenRe.MatchString(s) {
		return // reported by the string scan
	}
	if len(s) >= 20 && entropy(s) >= 4.0 && !strings.ContainsAny(s, " /") {
		a.report("CDN502", node, "", "high-entropy string bound to %q", name)
		return
	}
	a.report("CDN501", node, "", "possible hard-coded secret in %q", name)
}

func placeholder(s string) bool {
	l := strings.ToLower(s)
	if strings.ContainsAny(s, "{}<>$%") || strings.HasPrefix(l, "http") {
		return true
	}
	if strings.ToUpper(s) == s && !strings.ContainsAny(s, "0123456789") { // ENV_VAR_NAME
		return true
	}
	for _, w := range []string{"password", "changeme", "xxx", "***", "your", "example", "dummy", "placeholder", "todo"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

func entropy(s string) float64 {
	var freq [256]float64
	for i := 0; i < len(s); i++ {
		freq[s[i]]++
	}
	var e float64
	n := float64(len(s))
	for _, c := range freq {
		if c > 0 {
			p := c / n
			e -= p * math.Log2(p)
		}
	}
	return e
}

// secretHints: every name secretName matches holds one of these.
var secretHints = []string{"pass", "pwd", "secret", "token", "key", "credential"}

var authRe = regexp.MustCompile(`(?i)(admin|auth|permission|is_staff|superuser|logged_in|authori[sz]ed|\brole\b|password|token|privilege|is_owner|can_)`)

func (a *analyzer) checkAssert(n int32) {
	if authRe.MatchString(a.t.text(n)) {
		a.report("CDN703", n, "assert", "assert used for an authorisation check; asserts vanish under python -O")
	}
}

func (a *analyzer) checkKeyword(n int32, sc *scope) {
	t := a.t
	name := a.ident(t.child(n, "name"))
	val := t.child(n, "value")
	switch name {
	case "verify":
		if v := a.eval(val, sc, 0); v.isNum && v.num == 0 && t.kind(val) == "false" {
			a.report("CDN403", n, "verify=False", "TLS certificate verification turned off (verify=False)")
		}
	case "check_hostname":
		if v := a.eval(val, sc, 0); v.isNum && v.num == 0 {
			a.report("CDN404", n, "check_hostname=False", "host name verification turned off")
		}
	default:
		if t.kind(val) == "string" {
			a.checkSecret(name, val, a.eval(val, sc, 0))
		}
	}
}

// combine adds file-level findings from facts gathered along the walk.
func (a *analyzer) combine() {
	if a.payloadAt != nil {
		return
	}
	if a.facts.netSink && a.facts.sensitive {
		n := a.facts.sensNode
		a.report("CDN608", n, "", "the script collects sensitive data (environment, credentials or metadata) and sends data over the network")
	} else if a.facts.netSink && a.facts.recon {
		fi := a.finding("CDN608", none, "the script identifies the host or user (host name, user name, public IP) and sends data over the network", "")
		fi.Severity = medium
		fi.Line, fi.Column, fi.EndLine, fi.EndColumn = 1, 1, 1, 1
		a.emit(fi)
	}
	if a.facts.walk && a.facts.crypt && a.facts.overwrite {
		fi := a.finding("CDN508", none, "the script walks directory trees and encrypts data: ransomware shape", "")
		fi.Line, fi.Column, fi.EndLine, fi.EndColumn = 1, 1, 1, 1
		a.emit(fi)
	}
}
