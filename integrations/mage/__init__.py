"""Mage source module for tap-salesforce, a Singer tap written for Node.js.

Mage runs a source as ``python3 <this file> <flags>``. This module replaces itself with the Node
program (``os.execve``), passing Mage's flags through unchanged; the tap's Mage mode understands
them. Standard library only, and nothing runs at import time except the class Mage reads templates from.

Where the tap is found, in order:
  SALESFORCE_TS_ENTRY        path of the tap's JS entry (``.../tap-salesforce/bin/tap-salesforce``), run with
                             SALESFORCE_TS_NODE or the ``node`` on PATH;
  <this folder>/tap/bin/tap-salesforce   a copy of the package shipped next to this file;
  tap-salesforce on PATH     (``npm install -g``), executed directly.
"""

import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _templates():
    """{file name without .json: parsed JSON} for each file in templates/ (Mage's convention)."""
    folder = os.path.join(HERE, 'templates')
    found = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and name.endswith('.json'):
            with open(path, encoding='utf-8') as handle:
                found[name[: -len('.json')]] = json.load(handle)
    return found


class SalesforceTs:
    """What Mage imports in-process: the module name of this source is ``SalesforceTs``."""

    @classmethod
    def templates(cls):
        return _templates()


def _fatal(message, argv):
    """Mage's way to report a fatal error: an ERROR LOG line (stdout when logs go there, always stderr)."""
    line = json.dumps({
        'type': 'LOG',
        'level': 'ERROR',
        'message': message,
        'tags': {'error': message},
        'timestamp': int(time.time()),
    })
    if any(a == '--log_to_stdout' or a.startswith('--log_to_stdout=') for a in argv):
        sys.stdout.write(line + '\n')
        sys.stdout.flush()
    sys.stderr.write('ERROR ' + line + '\n')
    sys.stderr.flush()
    sys.exit(2)


def _command(argv):
    node = os.environ.get('SALESFORCE_TS_NODE') or shutil.which('node')
    entry = os.environ.get('SALESFORCE_TS_ENTRY')
    bundled = os.path.join(HERE, 'tap', 'bin', 'tap-salesforce')
    if not entry and os.path.isfile(bundled):
        entry = bundled
    if entry:
        if not node:
            _fatal('node not found: install Node.js 22 or later, or set SALESFORCE_TS_NODE', argv)
        if not os.path.isfile(entry):
            _fatal('SALESFORCE_TS_ENTRY does not exist: %s' % entry, argv)
        return node, [node, entry]
    executable = os.environ.get('SALESFORCE_TS_EXECUTABLE') or shutil.which('tap-salesforce')
    if not executable:
        _fatal(
            'tap-salesforce not found: npm install -g the tap, or set SALESFORCE_TS_ENTRY '
            '(and SALESFORCE_TS_NODE) on the Mage server',
            argv,
        )
    return executable, [executable]


def _settings_as_json(argv, env):
    """Mage's legacy --settings file may be YAML; the tap reads JSON. Converted with PyYAML (Mage ships it)."""
    for i, arg in enumerate(argv):
        if arg == '--settings' and i + 1 < len(argv):
            path = argv[i + 1]
            try:
                with open(path, encoding='utf-8') as handle:
                    text = handle.read()
            except OSError:
                return argv
            if text.lstrip()[:1] in ('{', '[', ''):
                return argv
            try:
                import yaml  # noqa: PLC0415 - only needed for this rare path
            except ImportError:
                return argv
            fd, converted = tempfile.mkstemp(prefix='tap-salesforce-settings-', suffix='.json')
            with os.fdopen(fd, 'w', encoding='utf-8') as handle:
                json.dump(yaml.safe_load(text) or {}, handle, default=str)
            # The tap deletes this copy as soon as it has read it.
            env['TAP_SALESFORCE_TEMP_SETTINGS'] = converted
            return argv[: i + 1] + [converted] + argv[i + 2:]
    return argv


def main(argv):
    if '--show_templates' in argv:
        sys.stdout.write(json.dumps(_templates()) + '\n')
        sys.stdout.flush()
        return
    env = dict(os.environ)
    env['NODE_NO_WARNINGS'] = '1'
    env['SALESFORCE_TS_SHIM_DIR'] = HERE
    argv = _settings_as_json(argv, env)
    program, head = _command(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # exec: Node gets Mage's pipes and signals, and its exit code is the one Mage sees.
    os.execve(program, head + ['mage'] + argv, env)


if __name__ == '__main__':
    main(sys.argv[1:])
