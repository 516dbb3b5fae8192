import {exited, finalState, LINUX_ROOT, RESTARTS_EXCEEDED, startFailed, windowsStartFailed} from './host-lines.js'
import type {Explanation} from './types.js'

const NEVER_STARTED =
  'Host Running; the host does not retry a handler it could not start: the first call waits 120 s ' +
  '(4 × the 30 s initialization timeout), then fails and the host restarts, and the next call waits again'
const CRASH_LOOP =
  'Host Running between restarts; after three failures in 30 minutes the host shuts down and the ' +
  'platform starts it again, so it loops; calls meanwhile wait, or get 503'
const START_SOURCES = [
  'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
  'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
  'host src/WebJobs.Script/Description/Workers/WorkerFunctionInvoker.cs',
]
const NOT_VALID = 'The specified executable is not a valid application for this OS platform.'

/** The handler executable and the other files the package carries. */
export const EXECUTABLE_CODES: Explanation[] = [
  {
    code: 'EXECUTABLE_NOT_FOUND',
    groups: ['never-starts', 'local-only'],
    checks:
      'defaultExecutablePath resolved as the host resolves it: relative to workerDirectory (default: the app ' +
      'root) when that file exists, else looked up on the PATH of the platform image (per OS and stack). Also a ' +
      'Windows binary without .exe, and names that differ from the file only in case.',
    host:
      'A relative path is joined to workerDirectory only when the file exists there; otherwise the host passes the ' +
      'name unchanged to Process.Start, which searches PATH. When that fails the host logs the error once and does ' +
      'not retry: the handler is never started.',
    source: [
      'host src/WebJobs.Script/Workers/Http/HttpWorkerDescription.cs',
      ...START_SOURCES,
      'chd src/checks/executable.ts',
      'chd src/app/resolve.ts',
    ],
    seen: [
      {
        on: 'Linux, every plan',
        log: [startFailed('No such file or directory'), finalState('Initializing')],
        status: NEVER_STARTED,
      },
      {
        on: 'Windows, every plan',
        log: [windowsStartFailed('The system cannot find the file specified.', 2)],
        status: NEVER_STARTED,
      },
    ],
    seenAs: ['EXECUTABLE_NOT_FOUND', 'HANDLER_START_FAILED'],
    why:
      'The binary was not built into the app folder before packing, it is under another name (handler.exe vs ' +
      'handler, a different case), or it is a program such as node that the platform image does not have.',
    confirm: ['chd doctor DIR', 'chd doctor --app NAME'],
    fix: ['Build the handler into the app folder and point defaultExecutablePath at it, relative to the app root'],
  },
  {
    code: 'EXECUTABLE_NOT_PACKED',
    groups: ['never-starts', 'local-only'],
    checks:
      'Whether .funcignore (with gitignore rules) leaves out host.json, the executable or a function.json; chd ' +
      'prints the lines that bring them back.',
    host: 'What is not in the package is not on the platform: the host fails as if the file had never existed.',
    source: ['chd src/checks/package.ts', 'chd src/app/files.ts'],
    seen: [
      {
        on: 'Linux, every plan',
        log: [startFailed('No such file or directory'), finalState('Initializing')],
        status: NEVER_STARTED,
      },
    ],
    seenAs: ['EXECUTABLE_NOT_FOUND', 'HANDLER_START_FAILED'],
    why: "A .funcignore copied from .gitignore, which ignores build output (bin/, the binary's name, *.exe).",
    confirm: ['chd doctor DIR', 'chd pack DIR --json (lists what is excluded and why)'],
    fix: ['Add the lines chd prints (e.g. !handler) at the end of .funcignore, or narrow the rule that matches'],
  },
  {
    code: 'EXECUTABLE_NOT_EXECUTABLE',
    groups: ['never-starts', 'local-only'],
    checks:
      'For a Linux target, the execute bit of the handler as the folder or the zip records it. An error on ' +
      'Premium and Dedicated running from the package; a warning on Consumption and Flex (the host adds the bit to ' +
      'this one file) and where a Kudu zip push makes every file executable.',
    host:
      'Linux Consumption and Flex add u+x, g+x and o+x to the resolved defaultExecutablePath before starting it, ' +
      'and to nothing else. A Kudu zip push (without run-from-package) runs chmod -R 777. Running from the package ' +
      '(WEBSITE_RUN_FROM_PACKAGE) keeps the modes the zip records. Otherwise starting the process fails with ' +
      'EACCES, and the host does not retry.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
      'host src/WebJobs.Script/Environment/EnvironmentExtensions.cs',
      'kudulite Kudu.Services/Deployment/PushDeploymentController.cs',
      'kudulite Kudu.Core/Helpers/PermissionHelper.cs',
      'chd src/checks/executable.ts',
    ],
    seen: [
      {
        on: 'Linux Premium and Dedicated running from the package',
        log: [startFailed('Permission denied'), finalState('Initializing')],
        status: NEVER_STARTED,
      },
    ],
    seenAs: ['EXECUTABLE_NOT_EXECUTABLE', 'HANDLER_START_FAILED'],
    why:
      'The zip was made on Windows (no Unix modes), or by a tool that writes 0644 for every file, or the binary ' +
      'went through a file system without modes.',
    confirm: [
      'chd doctor DIR --plan premium',
      'chd doctor app.zip (reads the modes the zip records)',
      'chd doctor --app NAME',
    ],
    fix: ['chmod +x the handler and deploy with chd deploy, whose zips record Unix modes (from Windows too)'],
  },
  {
    code: 'EXECUTABLE_WRONG_OS',
    groups: ['local-only', 'never-starts'],
    checks:
      "The executable's format from its first bytes: a Windows PE or a macOS Mach-O for a Linux target, an ELF " +
      'or Mach-O for Windows.',
    host:
      'The kernel refuses the file: Linux with ENOEXEC ("Exec format error"), Windows with ERROR_BAD_EXE_FORMAT. ' +
      'The host logs the start failure once and does not retry.',
    source: [...START_SOURCES, 'chd src/checks/executable.ts', 'chd src/platform/inspect.ts'],
    seen: [
      {
        on: 'Linux, every plan',
        log: [startFailed('Exec format error'), finalState('Initializing')],
        status: NEVER_STARTED,
      },
      {on: 'Windows, every plan', log: [windowsStartFailed(NOT_VALID, 193)], status: NEVER_STARTED},
    ],
    seenAs: ['EXECUTABLE_WRONG_ARCH', 'HANDLER_START_FAILED'],
    why:
      "The binary was built for the developer's machine: go build on a Mac or Windows without GOOS, or " +
      'cargo build without --target.',
    confirm: ['chd doctor DIR', 'file handler'],
    fix: [
      'Cross-compile for the platform: GOOS=linux GOARCH=amd64 go build -o handler; cargo build --release --target ' +
        'x86_64-unknown-linux-gnu; deno compile --target x86_64-unknown-linux-gnu',
    ],
  },
  {
    code: 'EXECUTABLE_WRONG_ARCH',
    groups: ['local-only', 'never-starts'],
    checks: "The CPU an ELF or PE file is built for (and 32 against 64 bit) against the platform's x86-64.",
    host:
      'Every Functions plan runs x86-64. The kernel refuses another CPU\'s binary ("Exec format error"; Windows: ' +
      '"not a valid application for this OS platform"); the host logs it once and does not retry.',
    source: [...START_SOURCES, 'chd src/checks/executable.ts', 'chd src/platform/elf.ts'],
    seen: [
      {
        on: 'Linux, every plan',
        log: [startFailed('Exec format error'), finalState('Initializing')],
        status: NEVER_STARTED,
      },
      {on: 'Windows, every plan', log: [windowsStartFailed(NOT_VALID, 216)], status: NEVER_STARTED},
    ],
    seenAs: ['EXECUTABLE_WRONG_ARCH', 'HANDLER_START_FAILED'],
    why:
      'Built on an arm64 machine (Apple silicon, Graviton, a Raspberry Pi) or in an arm64 container, without ' +
      'naming the target.',
    confirm: ['chd doctor DIR', 'file handler (look for x86-64)'],
    fix: [
      'Build for x86-64: GOARCH=amd64, cargo build --target x86_64-unknown-linux-gnu, docker build ' +
        '--platform linux/amd64',
    ],
  },
  {
    code: 'EXECUTABLE_GLIBC_TOO_NEW',
    groups: ['local-only', 'never-starts'],
    checks:
      "The highest GLIBC_x.y symbol version a dynamically linked ELF needs, against the platform's glibc: 2.31 " +
      "(Debian 11, the custom stack's default image and the older language stacks), 2.36 for Debian 12 stacks " +
      '(node 22, python 3.12+, java 21 …), or --glibc.',
    host:
      "The process starts, the dynamic loader refuses it and exits 1; the host quotes the loader's line from " +
      'stderr and restarts the handler, at most twice in 30 minutes, then shuts down.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcessUtilities.cs',
      'host src/WebJobs.Script/Workers/Http/HttpFunctionInvocationDispatcher.cs',
      'docker host/4/bullseye',
      'docker host/4/bookworm',
      'chd src/checks/executable.ts',
      'chd src/platform/elf.ts',
    ],
    seen: [
      {
        on: 'Linux, every plan',
        log: [
          `${LINUX_ROOT}/handler: /lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.34' not found (required by ` +
            `${LINUX_ROOT}/handler)`,
          exited(
            1,
            `${LINUX_ROOT}/handler: /lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.34' not found (required by ` +
              `${LINUX_ROOT}/handler)`,
          ),
          RESTARTS_EXCEEDED,
        ],
        status: CRASH_LOOP,
      },
    ],
    seenAs: ['EXECUTABLE_GLIBC_TOO_NEW', 'HANDLER_EXITED'],
    why:
      'The binary was built on a newer distribution (Ubuntu 22.04 has glibc 2.35, Debian 12 2.36) with dynamic ' +
      'linking: cgo in Go, a Rust gnu target, a C or C++ build.',
    confirm: ['chd doctor DIR', 'objdump -T handler | grep GLIBC_ | sort -V | tail -1'],
    fix: [
      'Build on Debian 11 (e.g. in the golang:1.22-bullseye or rust:1-bullseye image)',
      'Or link statically: CGO_ENABLED=0 for Go, the x86_64-unknown-linux-musl target with static linking for Rust',
      'Or run the app on a stack whose image is newer and judge it with --glibc 2.36',
    ],
  },
  {
    code: 'EXECUTABLE_MUSL',
    groups: ['local-only', 'never-starts'],
    checks: "Whether the ELF's program interpreter is musl's loader (/lib/ld-musl-x86_64.so.1).",
    host:
      'The Debian-based images have no musl loader, so the kernel cannot start the file and reports ENOENT, which ' +
      'reads as if the handler itself were missing. The host does not retry.',
    source: [...START_SOURCES, 'docker host/4/bullseye', 'chd src/checks/executable.ts'],
    seen: [
      {
        on: 'Linux, every plan',
        log: [startFailed('No such file or directory'), finalState('Initializing')],
        status: NEVER_STARTED,
      },
    ],
    seenAs: ['EXECUTABLE_NOT_FOUND', 'HANDLER_START_FAILED'],
    why: 'Built on Alpine (a golang:alpine or rust:alpine image) with dynamic linking.',
    confirm: ['chd doctor DIR', 'file handler (look for "interpreter /lib/ld-musl")'],
    fix: [
      'Link statically (CGO_ENABLED=0; Rust: musl target with static linking, the default), or build against ' +
        'glibc on Debian',
    ],
  },
  {
    code: 'EXECUTABLE_UNKNOWN_FORMAT',
    groups: ['never-starts'],
    checks: 'Whether the executable is an ELF, PE or Mach-O binary or a script with a #! line.',
    host:
      'The kernel refuses anything else with ENOEXEC ("Exec format error"); .NET does not fall back to a shell. ' +
      'The host does not retry.',
    source: [...START_SOURCES, 'chd src/checks/executable.ts', 'chd src/platform/inspect.ts'],
    seen: [
      {
        on: 'Linux, every plan',
        log: [startFailed('Exec format error'), finalState('Initializing')],
        status: NEVER_STARTED,
      },
    ],
    seenAs: ['EXECUTABLE_WRONG_ARCH', 'HANDLER_START_FAILED'],
    why: 'defaultExecutablePath points at a source file, a text file, a shell script without #!, or a Git LFS pointer.',
    confirm: ['chd doctor DIR', 'head -c 64 handler | od -c'],
    fix: ['Point defaultExecutablePath at the built binary, or give the script a #! line (#!/bin/sh)'],
  },
  {
    code: 'EXECUTABLE_GUI_SUBSYSTEM',
    groups: ['no-logs'],
    checks: 'Whether a Windows executable is built for the GUI subsystem (-H windowsgui in Go).',
    host:
      "The host reads the handler's stdout and stderr into its log (Host.Function.Console); Windows gives a " +
      'GUI-subsystem program no console, so what it writes there may never arrive.',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
      'chd src/checks/executable.ts',
      'chd src/platform/pe.ts',
    ],
    seen: [{on: 'Windows, every plan', status: 'The handler runs, but none of its own output is in the logs'}],
    why: 'Built with -H windowsgui, or a GUI template.',
    confirm: ['chd doctor DIR --target windows-x64'],
    fix: ['Build it as a console program (drop -H windowsgui)'],
  },
  {
    code: 'EXECUTABLE_NOT_CHECKED',
    groups: ['notes'],
    checks:
      'Reported when defaultExecutablePath resolves outside the app (an absolute path) or to a program on the ' +
      'PATH of a custom container, which chd cannot see.',
    host: 'The host starts whatever the path names; the image must have it.',
    source: ['host src/WebJobs.Script/Workers/Http/HttpWorkerDescription.cs', 'chd src/checks/executable.ts'],
    seen: [{on: 'Every plan', status: "Fine when the image has the file; EXECUTABLE_NOT_FOUND's lines when not"}],
    why: 'The handler is an interpreter installed in the image (e.g. %JAVA_HOME%/bin/java), or the app is a container.',
    confirm: ["chd doctor --app NAME (judges against the live app's stack)"],
    fix: ['Nothing, if the image has it; otherwise ship the program inside the app'],
  },
  {
    code: 'BUNDLED_BINARY_INCOMPATIBLE',
    groups: ['local-only'],
    checks:
      'Every other ELF file in the package (extensionless names, .so, .node, …) except those under folders named ' +
      'for another CPU or musl: its CPU, its glibc needs, its musl loader.',
    host:
      "The host never looks at them; the handler fails when it runs or loads one, with the loader's or its own " +
      'error on stderr.',
    source: ['chd src/checks/bundled.ts', 'docker host/4/bullseye', 'docker host/4/bookworm'],
    seen: [
      {
        on: 'Linux, every plan',
        log: [
          `${LINUX_ROOT}/node_modules/sharp/build/Release/sharp.node: ` +
            (`/lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.33' not found (required ` +
              `by ${LINUX_ROOT}/node_modules/`) +
            'sharp/build/Release/sharp.node)',
        ],
        status: 'The handler crashes at start, or the calls that use the file ' + 'fail',
      },
    ],
    seenAs: ['EXECUTABLE_GLIBC_TOO_NEW'],
    why:
      "Native dependencies installed on the developer's machine (npm install on a Mac or an arm64 laptop, pip " +
      'install on a newer distribution) and packed as they are.',
    confirm: ['chd doctor DIR'],
    fix: ["Install dependencies on x86-64 Linux with the platform's glibc (a Debian 11 container), or drop them"],
  },
  {
    code: 'BUNDLED_EXECUTABLE_LOSES_BIT',
    groups: ['local-only'],
    checks:
      'Executables and scripts in the package besides the handler (outside node_modules and other dependency ' +
      'trees): without an execute bit, or on Consumption and Flex, where only the handler gets one.',
    host:
      'Linux Consumption and Flex add the execute bit to defaultExecutablePath only; other files keep the mode ' +
      'extraction gives them, and where the package is mounted read-only a chmod at run time fails (ENOSYS).',
    source: [
      'host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs',
      'host src/WebJobs.Script/Environment/EnvironmentExtensions.cs',
      'chd src/checks/bundled.ts',
    ],
    seen: [
      {
        on: 'Linux Consumption and Flex (other plans: files without the bit)',
        log: [`PermissionError: [Errno 13] Permission denied: '${LINUX_ROOT}/bin/convert'`],
        status: "The calls that run the tool fail; the handler's error names the file",
      },
    ],
    seenAs: ['EXECUTABLE_NOT_EXECUTABLE'],
    why: 'The handler runs a helper (ffmpeg, jq, a script) that it ships.',
    confirm: ['chd doctor DIR --plan consumption'],
    fix: [
      'Have the handler copy the tool to /tmp and chmod it there at start, or host the app on Premium or ' +
        "Dedicated, which keep the package's modes",
    ],
  },
  {
    code: 'FILE_NOT_READABLE',
    groups: ['local-only', 'never-starts'],
    checks:
      'On Linux targets, the read bits of host.json, each function.json and a script handler: a warning when ' +
      'only the owner may read, an error when nobody may.',
    host:
      'The host reads host.json and every function.json; a file it may not read fails with "Access to the path … ' +
      'is denied." (host.json: the host stays in Error; function.json: that function is in error).',
    source: [
      'host src/WebJobs.Script/Config/HostJsonFileConfigurationSource.cs',
      'host src/WebJobs.Script/Host/HostFunctionMetadataProvider.cs',
      'chd src/checks/bundled.ts',
    ],
    seen: [{on: 'Linux, every plan', status: 'Host Error, or a function in error, naming the file'}],
    seenAs: ['HOST_NOT_RUNNING', 'HOST_STARTUP_ERROR'],
    why: 'A umask of 077, or files created by a tool that writes 0600.',
    confirm: ['chd doctor DIR'],
    fix: ['chmod a+r the file and deploy again'],
  },
  {
    code: 'SCRIPT_CRLF',
    groups: ['local-only', 'never-starts'],
    checks:
      'The #! line of the handler script and of every other script in the package (executables and *.sh): ' +
      'whether it ends in CRLF.',
    host:
      'The kernel takes everything after #! up to the line feed as the interpreter, carriage return included, ' +
      'finds no "/bin/sh\\r", and fails with ENOENT, which reads as if the script were missing.',
    source: [...START_SOURCES, 'chd src/checks/executable.ts', 'chd src/platform/script.ts'],
    seen: [
      {
        on: 'Linux, every plan',
        log: [startFailed('No such file or directory', `${LINUX_ROOT}/start.sh`), finalState('Initializing')],
        status: NEVER_STARTED,
      },
    ],
    seenAs: ['EXECUTABLE_NOT_FOUND', 'HANDLER_START_FAILED'],
    why: 'The script was saved on Windows, or checked out there with core.autocrlf.',
    confirm: ['chd doctor DIR', 'head -1 start.sh | od -c (look for \\r)'],
    fix: ['sed -i \'s/\\r$//\' start.sh, and add "*.sh text eol=lf" to .gitattributes'],
  },
  {
    code: 'SCRIPT_INTERPRETER_UNAVAILABLE',
    groups: ['local-only', 'never-starts'],
    checks:
      'The program a bare defaultExecutablePath or a #! line names (node, python3, java, pwsh, php, deno …) ' +
      "against what the platform image has on PATH for the app's stack: every Linux image has sh, bash and perl; " +
      'node only on Node stacks, python on Python stacks, java never (only $JAVA_HOME), pwsh, php, ruby, Rscript and ' +
      "deno never; the custom stack's default image none of them. Windows runs no #! scripts. An info when the " +
      'stack is not known (judging a folder without --app).',
    host:
      'A bare name is looked up on PATH by Process.Start; a missing one fails to start and is not retried. A ' +
      '#!/usr/bin/env line starts env, which fails, prints the reason and exits 127; the host restarts it twice, ' +
      'then shuts down.',
    source: [
      'host src/WebJobs.Script/Workers/Http/HttpWorkerDescription.cs',
      ...START_SOURCES,
      'docker host/4/bullseye',
      'docker host/4/bookworm',
      'chd src/platform/stacks.ts',
      'chd src/checks/executable.ts',
    ],
    seen: [
      {
        on: 'Linux, a bare name',
        log: [startFailed('No such file or directory', 'node'), finalState('Initializing')],
        status: NEVER_STARTED,
      },
      {
        on: 'Linux, #!/usr/bin/env',
        log: [
          exited(127, "/usr/bin/env: 'node': No such file or directory", `${LINUX_ROOT}/server.js`),
          RESTARTS_EXCEEDED,
        ],
        status: CRASH_LOOP,
      },
    ],
    seenAs: ['EXECUTABLE_NOT_FOUND', 'HANDLER_START_FAILED', 'HANDLER_EXITED'],
    why:
      'The app was created with the custom stack (whose image has no node or python) or with a stack that lacks ' +
      'the interpreter the handler needs.',
    confirm: ["chd doctor DIR --app NAME (judges against the live app's stack)"],
    fix: [
      'Run the app on the stack whose image has it (FUNCTIONS_WORKER_RUNTIME=node and a Node linuxFxVersion; ' +
        'chd deploy keeps such a stack)',
      'Or ship a self-contained binary (deno compile, pkg, a static build)',
      'Or run the app as a custom container',
    ],
  },
  {
    code: 'SECRET_WOULD_BE_PACKED',
    groups: ['deploy-blocked'],
    checks:
      'Files that usually hold secrets: .env and .env.* (not .env.example), *.pem, *.key, *.pfx, *.p12, id_rsa ' +
      'and similar, .npmrc, .netrc. chd pack and chd deploy refuse them unless .funcignore leaves them out or ' +
      '--include-secrets is given.',
    host:
      'The host does not read them. Deployed, they sit in /home/site/wwwroot and in the package (the blob, or ' +
      "Kudu's SitePackages), readable by anyone with access to the app's Kudu or storage.",
    source: ['chd src/app/files.ts', 'chd src/checks/package.ts'],
    seen: [{on: 'chd pack and chd deploy', status: 'Exit 1 before anything is uploaded'}],
    why: 'Local configuration in the app folder.',
    confirm: ['chd doctor DIR', 'chd pack DIR --json (lists what is excluded)'],
    fix: ['Add the file to .funcignore and move the value into app settings (chd settings set)'],
  },
  {
    code: 'ZIP_DUPLICATE_ENTRY',
    groups: ['deploy-blocked'],
    checks:
      'Whether a package holds the same path twice; an error when the host reads that file (host.json, a ' +
      'function.json, the handler).',
    host:
      "Which copy lands on disk is up to the unzip that extracts it (Kudu, or the host's own on Linux " +
      'Consumption); the same zip can behave differently per plan.',
    source: [
      'kudulite Kudu.Core/Infrastructure/ZipArchiveExtensions.cs',
      'host src/WebJobs.Script.WebHost/Management/LinuxSpecialization/RunFromPackageHandler.cs',
      'chd src/checks/package.ts',
      'chd src/app/source.ts',
    ],
    seen: [{on: 'Every plan', status: 'An older host.json or handler may be the one that runs'}],
    why: 'A zip tool that appended to an existing zip instead of rebuilding it.',
    confirm: ['chd doctor app.zip', 'unzip -l app.zip | sort -k4 | uniq -d -f3'],
    fix: ['Rebuild the package (chd pack writes each path once)'],
  },
  {
    code: 'SYMLINK_UNPACKABLE',
    groups: ['deploy-blocked'],
    checks:
      'Symbolic links in the app folder: one that leaves the folder, loops, or points nowhere stops chd pack and ' +
      'chd deploy. A link inside the folder is packed as the file it points to.',
    host:
      "Kudu's zip extraction writes links as plain files unless the app opts in " +
      '(WEBSITE_ZIP_PRESERVE_SYMLINKS on Node); chd packs files, not links, for that reason.',
    source: ['kudulite Kudu.Core/Infrastructure/ZipArchiveExtensions.cs', 'chd src/app/files.ts'],
    seen: [{on: 'chd pack and chd deploy', status: 'Exit 1 before anything is uploaded'}],
    why: 'A link into a shared folder (../shared), a node_modules link from npm link, or a removed target.',
    confirm: ['chd doctor DIR', 'find DIR -type l -exec ls -l {} +'],
    fix: ['Replace the link with the file, or add it to .funcignore'],
  },
]
