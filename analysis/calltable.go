package analysis

// callRules maps a resolved call target to the rule it triggers. Targets
// that need argument checks are handled in checks.go by rule id.
var callRules = map[string]string{
	// code execution
	"builtins.exec": "CDN101", "builtins.eval": "CDN101", "builtins.execfile": "CDN101",
	"code.InteractiveInterpreter().runsource": "CDN101", "code.InteractiveInterpreter().runcode": "CDN101",
	"code.InteractiveConsole().push": "CDN101",
	"builtins.compile":               "CDN102", "types.CodeType": "CDN102", "types.FunctionType": "CDN102",
	"builtins.__import__": "CDN103", "importlib.import_module": "CDN103", "importlib.__import__": "CDN103",
	"imp.load_source": "CDN103", "imp.load_module": "CDN103", "importlib.util.spec_from_file_location": "CDN103",
	"runpy.run_path": "CDN103", "runpy.run_module": "CDN103", "importlib.machinery.SourceFileLoader": "CDN103",
	"builtins.getattr": "CDN104", "builtins.setattr": "CDN104", "builtins.delattr": "CDN104",
	// processes
	"os.system": "CDN201", "os.popen": "CDN201", "os.popen2": "CDN201", "os.popen3": "CDN201", "os.popen4": "CDN201",
	"popen2.popen2": "CDN201", "popen2.popen3": "CDN201", "popen2.popen4": "CDN201", "popen2.Popen3": "CDN201",
	"commands.getoutput": "CDN201", "commands.getstatusoutput": "CDN201", "subprocess.getoutput": "CDN201",
	"subprocess.getstatusoutput": "CDN201", "platform.popen": "CDN201", "asyncio.create_subprocess_shell": "CDN201",
	"subprocess.Popen": "CDN203", "subprocess.run": "CDN203", "subprocess.call": "CDN203",
	"subprocess.check_call": "CDN203", "subprocess.check_output": "CDN203", "asyncio.create_subprocess_exec": "CDN203",
	"os.startfile": "CDN204", "pty.spawn": "CDN205",
	"os.fork": "CDN206", "os.forkpty": "CDN206", "pty.fork": "CDN206",
	"os.setuid": "CDN209", "os.setgid": "CDN209", "os.seteuid": "CDN209", "os.setegid": "CDN209",
	"os.setreuid": "CDN209", "os.setresuid": "CDN209", "os.chroot": "CDN209",
	// deserialisation
	"pickle.load": "CDN301", "pickle.loads": "CDN301", "pickle.Unpickler": "CDN301",
	"dill.load": "CDN301", "dill.loads": "CDN301", "shelve.open": "CDN301", "jsonpickle.decode": "CDN301",
	"joblib.load": "CDN301", "pandas.read_pickle": "CDN301", "torch.load": "CDN301", "cloudpickle.load": "CDN301",
	"cloudpickle.loads": "CDN301", "numpy.load": "CDN301",
	"marshal.load": "CDN302", "marshal.loads": "CDN302",
	"yaml.load": "CDN303", "yaml.load_all": "CDN303", "yaml.unsafe_load": "CDN303", "yaml.unsafe_load_all": "CDN303",
	"yaml.full_load": "CDN303", "yaml.full_load_all": "CDN303",
	"xml.etree.ElementTree.parse": "CDN304", "xml.etree.ElementTree.fromstring": "CDN304",
	"xml.etree.ElementTree.XML": "CDN304", "xml.etree.ElementTree.XMLParser": "CDN304",
	"xml.etree.ElementTree.iterparse": "CDN304", "xml.etree.ElementTree.fromstringlist": "CDN304",
	"xml.dom.minidom.parse": "CDN304", "xml.dom.minidom.parseString": "CDN304",
	"xml.dom.pulldom.parse": "CDN304", "xml.dom.pulldom.parseString": "CDN304",
	"xml.sax.parse": "CDN304", "xml.sax.parseString": "CDN304", "xml.sax.make_parser": "CDN304",
	"xml.dom.expatbuilder.parse": "CDN304", "xml.dom.expatbuilder.parseString": "CDN304",
	"lxml.etree.parse": "CDN304", "lxml.etree.fromstring": "CDN304", "lxml.etree.XML": "CDN304",
	"lxml.etree.XMLParser": "CDN304", "lxml.etree.iterparse": "CDN304",
	// crypto
	"hashlib.md5": "CDN401", "hashlib.sha1": "CDN401", "hashlib.new": "CDN401",
	"Crypto.Hash.MD5.new": "CDN401", "Crypto.Hash.SHA.new": "CDN401", "Crypto.Hash.SHA1.new": "CDN401",
	"Cryptodome.Hash.MD5.new": "CDN401", "Cryptodome.Hash.SHA1.new": "CDN401",
	"cryptography.hazmat.primitives.hashes.MD5": "CDN401", "cryptography.hazmat.primitives.hashes.SHA1": "CDN401",
	"random.random": "CDN402", "random.randint": "CDN402", "random.randrange": "CDN402", "random.choice": "CDN402",
	"random.choices": "CDN402", "random.sample": "CDN402", "random.getrandbits": "CDN402", "random.uniform": "CDN402",
	"random.shuffle": "CDN402", "random.randbytes": "CDN402",
	"ssl._create_unverified_context": "CDN404",
	"Crypto.Cipher.DES.new":          "CDN405", "Crypto.Cipher.ARC4.new": "CDN405", "Crypto.Cipher.Blowfish.new": "CDN405",
	"Crypto.Cipher.XOR.new": "CDN405", "Cryptodome.Cipher.DES.new": "CDN405", "Cryptodome.Cipher.ARC4.new": "CDN405",
	"cryptography.hazmat.primitives.ciphers.algorithms.ARC4":      "CDN405",
	"cryptography.hazmat.primitives.ciphers.algorithms.Blowfish":  "CDN405",
	"cryptography.hazmat.primitives.ciphers.algorithms.TripleDES": "CDN405",
	"cryptography.hazmat.primitives.ciphers.modes.ECB":            "CDN405",
	// files
	"tempfile.mktemp": "CDN503", "os.tempnam": "CDN503", "os.tmpnam": "CDN503",
	"os.chmod": "CDN504", "os.fchmod": "CDN504", "os.lchmod": "CDN504",
	"shutil.rmtree": "CDN507", "os.remove": "CDN507", "os.unlink": "CDN507", "os.rmdir": "CDN507", "os.removedirs": "CDN507",
	// network
	"socket.socket": "CDN601", "socket.create_connection": "CDN601", "socket.create_server": "CDN601",
	"socket.fromfd": "CDN601", "asyncio.open_connection": "CDN601", "asyncio.start_server": "CDN601",
	"asyncio.open_unix_connection": "CDN601",
	"os.dup2":                      "CDN602",
	"requests.get":                 "CDN603", "requests.post": "CDN603", "requests.put": "CDN603", "requests.patch": "CDN603",
	"requests.delete": "CDN603", "requests.head": "CDN603", "requests.request": "CDN603", "requests.Session": "CDN603",
	"requests.session": "CDN603", "urllib.request.urlopen": "CDN603", "urllib.request.Request": "CDN603",
	"urllib.request.urlretrieve": "CDN603", "urllib.request.build_opener": "CDN603", "urllib.urlopen": "CDN603",
	"urllib.urlretrieve": "CDN603", "http.client.HTTPConnection": "CDN603", "http.client.HTTPSConnection": "CDN603",
	"httplib.HTTPConnection": "CDN603", "httplib.HTTPSConnection": "CDN603",
	"httpx.get": "CDN603", "httpx.post": "CDN603", "httpx.Client": "CDN603", "httpx.AsyncClient": "CDN603",
	"httpx.request": "CDN603", "httpx.put": "CDN603",
	"aiohttp.ClientSession": "CDN603", "aiohttp.request": "CDN603", "urllib3.PoolManager": "CDN603",
	"urllib3.request": "CDN603", "pycurl.Curl": "CDN603", "smtplib.SMTP": "CDN603", "smtplib.SMTP_SSL": "CDN603",
	"websocket.create_connection": "CDN603", "websockets.connect": "CDN603", "websocket.WebSocketApp": "CDN603",
	"telnetlib.Telnet": "CDN605", "ftplib.FTP": "CDN605",
	// web and injection
	"jinja2.Environment": "CDN702", "mako.template.Template": "CDN702", "logging.config.listen": "CDN601",
	"paramiko.SSHClient().exec_command": "CDN705", "paramiko.AutoAddPolicy": "CDN705",
	// native code
	"cffi.FFI": "CDN802", "cffi.FFI().dlopen": "CDN802", "cffi.FFI().cdef": "CDN802", "cffi.FFI().verify": "CDN802",
	"imp.load_dynamic": "CDN803", "importlib.machinery.ExtensionFileLoader": "CDN803", "mmap.mmap": "CDN803",
	// surveillance
	"pynput.keyboard.Listener": "CDN902", "pynput.mouse.Listener": "CDN902", "keyboard.on_press": "CDN902",
	"keyboard.hook": "CDN902", "keyboard.record": "CDN902", "keyboard.on_release": "CDN902",
	"pyHook.HookManager": "CDN902", "PIL.ImageGrab.grab": "CDN902", "pyautogui.screenshot": "CDN902",
	"pyperclip.paste": "CDN902", "win32clipboard.GetClipboardData": "CDN902", "mss.mss": "CDN902",
	"ImageGrab.grab": "CDN902", "cv2.VideoCapture": "CDN902", "pyaudio.PyAudio": "CDN902",
	"sounddevice.rec": "CDN902", "win32api.GetAsyncKeyState": "CDN902", "pyscreenshot.grab": "CDN902",
	"pyWinhook.HookManager": "CDN902", "pyxhook.HookManager": "CDN902",
}

type prefixRule struct {
	prefix   string
	suffixes []string
	id       string
}

// prefixRules cover families such as os.execvpe and os.spawnlp.
var prefixRules = []prefixRule{
	{"os.exec", []string{"l", "le", "lp", "lpe", "v", "ve", "vp", "vpe"}, "CDN204"},
	{"os.spawn", []string{"l", "le", "lp", "lpe", "v", "ve", "vp", "vpe"}, "CDN204"},
	{"os.posix_spawn", []string{"", "p"}, "CDN204"},
}

// ruleFor returns the rule a call target triggers ("" for none).
func ruleFor(q string) string {
	if id, ok := callRules[q]; ok {
		return id
	}
	for _, p := range prefixRules {
		if len(q) > len(p.prefix)-1 && q[:len(p.prefix)] == p.prefix {
			rest := q[len(p.prefix):]
			for _, s := range p.suffixes {
				if rest == s {
					return p.id
				}
			}
		}
	}
	if len(q) > 7 && q[:7] == "ctypes." {
		return "CDN801"
	}
	return ""
}
