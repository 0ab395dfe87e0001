"""Drives the Mage source module in integrations/mage/ exactly as Mage does, without Mage.

Standard library only. For each mode Mage uses, it builds the argv Mage builds (``python3 <abs __init__.py>``
and Mage's flags, in Mage's order), runs it with Mage's process settings (separate pipes and ``json.loads`` of
the non-LOG stdout for discover/count, a 10 s timeout for test connection, stderr merged into stdout for sync)
and applies Mage's line rules, re-implemented from their description: the log printer that sees every sync
line, and the batch destination that reads the same output. Any line Mage would reject fails the run.

Usage: python3 mage_driver.py --config-json '{...}' --stream Account [--other-stream Contact]
The tap is found through the shim's own rules (SALESFORCE_TS_ENTRY / SALESFORCE_TS_NODE in the environment).
Exit code 0 when every check passed; the last line is 'N passed, N failed'.
"""

import argparse
import datetime
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM_SOURCE = os.path.normpath(os.path.join(HERE, '..', '..', 'integrations', 'mage'))
PYTHON = sys.executable
# Mage's limit for a test connection. A loaded test machine may need more just to start Node; the test
# runner can raise it with MAGE_DRIVER_TIMEOUT (the tap itself aims at 9 s from its start).
TEST_CONNECTION_TIMEOUT = float(os.environ.get('MAGE_DRIVER_TIMEOUT', '10'))

passed = 0
failures = []


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(what)
        sys.stderr.write('FAIL: %s\n' % what)
    return condition


# ----------------------------------------------------------------------------------------------------------
# Mage's readers

def parse_logs_and_json(stdout):
    """discover/count: drop JSON lines whose type is LOG, join the rest with '' and json.loads it."""
    kept = []
    for line in stdout.split('\n'):
        try:
            row = json.loads(line)
            if isinstance(row, dict) and row.get('type') == 'LOG':
                continue
        except ValueError:
            pass
        kept.append(line)
    return json.loads(''.join(kept))


def log_printer_accepts(line):
    """print_log_from_line: only JSON errors are caught; anything else it trips on fails the block."""
    try:
        row = json.loads(line)
    except ValueError:
        return None  # ignored (and hidden by the destination)
    if not isinstance(row, dict):
        return 'a JSON %s on its own line' % type(row).__name__
    if row.get('level') in ('ERROR', 'EXCEPTION'):
        return 'level %s fails the block: %s' % (row.get('level'), row.get('message'))
    if row.get('type') == 'LOG':
        timestamp = row.get('timestamp')
        if timestamp is not None:
            if not isinstance(timestamp, (int, float)):
                return 'LOG timestamp is not a number'
            try:
                datetime.datetime.fromtimestamp(timestamp)
            except (ValueError, OverflowError, OSError):
                return 'LOG timestamp %r is not in seconds' % timestamp
        if not isinstance(row.get('message'), str):
            return 'LOG message is not a string'
        if not isinstance(row.get('tags'), dict):
            return 'LOG line without a tags object is dropped silently'
    return None


class Destination:
    """The batch destination's reading of the sync output, reduced to what can reject a line."""

    KNOWN = ('SCHEMA', 'RECORD', 'STATE', 'ACTIVATE_VERSION', 'LOG')

    def __init__(self, stream):
        self.stream = stream
        self.schemas = set()
        self.records = 0
        self.states = []
        self.last_type = None
        self.seen_streams = set()

    def read(self, line):
        try:
            row = json.loads(line)
        except ValueError:
            return None  # "Unable to parse", skipped
        if not row:
            return None
        if not isinstance(row, dict):
            return 'a JSON %s breaks row.get' % type(row).__name__
        kind = row.get('type')
        if not kind:
            if row.get('level') and row.get('message'):
                if str(row['level']).lower() not in ('error', 'exception', 'info', 'debug'):
                    return "Mage's logger has no method %s" % str(row['level']).lower()
                return None
            return 'Required key type is missing from row'
        if kind not in self.KNOWN:
            return 'Unknown message type %s' % kind
        if kind == 'LOG':
            return None
        stream = row.get('stream')
        if kind == 'STATE':
            value = row.get('value')
            if not isinstance(value, dict):
                return 'STATE value is not an object'
            if not isinstance(value.get('bookmarks'), dict):
                return 'STATE value has no bookmarks object'
            if value.get('current_stream'):
                stream = value['current_stream']
            elif value['bookmarks']:
                stream = row.get('currently_syncing') or list(value['bookmarks'])[0]
            elif value:
                stream = list(value)[0]
            self.seen_streams.add(stream)
            for name in value['bookmarks']:
                if name not in self.seen_streams:
                    return 'STATE names stream %s that this output never had (KeyError in batch mode)' % name
            if set(value['bookmarks']) - {self.stream}:
                return 'STATE names other streams: %s' % sorted(value['bookmarks'])
            for bookmark in value['bookmarks'].values():
                if not isinstance(bookmark, dict) or any(isinstance(v, (dict, list)) for v in bookmark.values()):
                    return 'a bookmark is not a flat map of scalars'
            self.states.append(value)
        else:
            if stream != self.stream:
                return '%s for stream %s, but Mage asked for %s' % (kind, stream, self.stream)
            self.seen_streams.add(stream)
            if kind == 'SCHEMA':
                self.schemas.add(stream)
                for key in ('key_properties', 'replication_method', 'unique_constraints'):
                    if key not in row:
                        return 'SCHEMA without %s (the legacy destination needs it)' % key
            if kind == 'RECORD':
                if stream not in self.schemas:
                    return 'A record for stream %s was encountered before a corresponding schema' % stream
                if not isinstance(row.get('record'), dict):
                    return 'RECORD without a record object'
                self.records += 1
        self.last_type = kind
        return None


def test_connection_error(stderr):
    """What Mage shows for a failed test connection: tags.error of the last stderr line starting with ERROR."""
    shown = None
    for line in stderr.split('\n'):
        if line.startswith('ERROR'):
            start = line.find('{')
            if start >= 0:
                try:
                    shown = json.loads(line[start:]).get('tags', {}).get('error') or line
                except ValueError:
                    shown = line
            else:
                shown = line
    return shown


# ----------------------------------------------------------------------------------------------------------
# Running the source as Mage does

def run(shim, flags, timeout=None, env=None):
    return subprocess.run([PYTHON, shim] + flags, capture_output=True, text=True, timeout=timeout, env=env)


def run_sync(shim, flags, stream):
    """Popen with stderr merged into stdout, read line by line as bytes, every line through both readers."""
    process = subprocess.Popen([PYTHON, shim] + flags, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    destination = Destination(stream)
    problems = []
    lines = 0
    for raw in iter(process.stdout.readline, b''):
        lines += 1
        try:
            line = raw.decode('utf-8')
        except UnicodeDecodeError:
            problems.append('line %d is not UTF-8' % lines)
            continue
        for reader in (log_printer_accepts, destination.read):
            problem = reader(line)
            if problem:
                problems.append('line %d: %s: %s' % (lines, problem, line[:200].rstrip()))
    process.stdout.close()
    code = process.wait()
    return code, destination, problems


def install(workdir):
    """The source as Mage finds it: mage_integrations/sources/<uuid>/ with __init__.py, README.md, templates/."""
    target = os.path.join(workdir, 'mage_integrations', 'sources', 'salesforce_ts')
    shutil.copytree(SHIM_SOURCE, target, ignore=shutil.ignore_patterns('__pycache__', 'tap'))
    return target


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--config-json', required=True)
    parser.add_argument('--stream', required=True)
    parser.add_argument('--other-stream', required=True)
    options = parser.parse_args()
    config = options.config_json
    stream = options.stream
    workdir = tempfile.mkdtemp(prefix='mage-driver-')
    folder = install(workdir)
    shim = os.path.join(folder, '__init__.py')

    # Templates: in-process first (what the UI does), then the subprocess fallback (last JSON line wins).
    check(os.path.isfile(os.path.join(folder, 'README.md')), 'README.md is missing: Mage would lose the templates')
    spec = importlib.util.spec_from_file_location('mage_integrations.sources.salesforce_ts', shim)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    templates = module.SalesforceTs.templates()
    check('config' in templates and 'client_id' in templates['config'], 'templates() has config with client_id')
    shown = subprocess.run([PYTHON, shim, '--config_json', '{}', '--show_templates'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = None
    for line in shown.stdout.split('\n'):
        try:
            last = json.loads(line)
        except ValueError:
            pass
    check(shown.returncode == 0 and last == templates, '--show_templates prints the templates')

    # Test connection: exit code within 10 s; a failure is read from stderr's ERROR lines.
    try:
        ok = run(shim, ['--config_json', config, '--test_connection'], timeout=TEST_CONNECTION_TIMEOUT)
        check(ok.returncode == 0, 'test connection succeeds (rc %s, stderr %s)' % (ok.returncode, ok.stderr[-300:]))
    except subprocess.TimeoutExpired:
        check(False, 'test connection answered within %s s' % TEST_CONNECTION_TIMEOUT)
    bad = dict(json.loads(config), domain='http://127.0.0.1:9', max_attempts=1)
    try:
        failed = run(shim, ['--config_json', json.dumps(bad), '--test_connection'], timeout=TEST_CONNECTION_TIMEOUT)
        message = test_connection_error(failed.stderr)
        check(failed.returncode != 0 and message and 'ERROR' not in message,
              'a failed test connection exits non-zero with an ERROR line Mage can show (got %r)' % message)
    except subprocess.TimeoutExpired:
        check(False, 'a failing test connection answers within %s s' % TEST_CONNECTION_TIMEOUT)

    # discover_streams: a list of {stream, tap_stream_id}, sortable by tap_stream_id.
    listed = run(shim, ['--config_json', config, '--discover', '--discover_streams'])
    if check(listed.returncode == 0, 'discover_streams exits 0: %s' % listed.stderr[-300:]):
        items = parse_logs_and_json(listed.stdout)
        check(isinstance(items, list) and all(set(i) >= {'stream', 'tap_stream_id'} for i in items),
              'discover_streams prints a list of {stream, tap_stream_id}')
        sorted(items, key=lambda x: x['tap_stream_id'])
        check(any(i['tap_stream_id'] == stream for i in items), 'discover_streams lists %s' % stream)

    # discover, again with the streams the user picked.
    picked = json.dumps([stream, options.other_stream])
    found = run(shim, ['--config_json', config, '--discover', '--selected_streams_json', picked])
    catalog = None
    if check(found.returncode == 0, 'discover exits 0: %s' % found.stderr[-300:]):
        catalog = parse_logs_and_json(found.stdout)
        entries = catalog.get('streams', [])
        check(sorted(e['tap_stream_id'] for e in entries) == sorted([stream, options.other_stream]),
              'discover describes only the picked streams')
        for entry in entries:
            check(entry.get('replication_method') in ('INCREMENTAL', 'FULL_TABLE'),
                  '%s has a top-level replication_method' % entry['tap_stream_id'])
            check(entry.get('key_properties') == ['Id'], '%s has key_properties' % entry['tap_stream_id'])
            check('replication_key' in entry and 'bookmark_properties' in entry,
                  '%s has replication_key and bookmark_properties' % entry['tap_stream_id'])
            roots = [m for m in entry['metadata'] if m['breadcrumb'] == []]
            check(len(roots) == 1, '%s has stream metadata' % entry['tap_stream_id'])
            roots[0]['metadata']['selected'] = True  # what the user does in Mage's UI
    if catalog is None:
        return finish()
    catalog_json = json.dumps(catalog)
    selected = json.dumps([stream])

    # count_records (block path).
    counted = run(shim, ['--config_json', config, '--selected_streams_json', selected, '--count_records',
                         '--catalog_json', catalog_json])
    if check(counted.returncode == 0, 'count_records exits 0: %s' % counted.stderr[-300:]):
        counts = {c['id']: c for c in parse_logs_and_json(counted.stdout)}
        check(stream in counts and isinstance(counts[stream]['count'], int) and counts[stream]['stream'] == stream,
              'count_records gives {count, id, stream}')

    # Sync, block path, with an unknown flag a newer Mage might add; the whole catalog, one stream selected.
    flags = ['--config_json', config, '--log_to_stdout', '1', '--query_json', '{"_offset": 0}',
             '--catalog_json', catalog_json, '--selected_streams_json', selected, '--some_future_flag', 'x']
    code, first, problems = run_sync(shim, flags, stream)
    for problem in problems:
        check(False, 'sync: ' + problem)
    check(code == 0, 'sync exits 0 (rc %s)' % code)
    check(first.records > 0, 'sync wrote records for %s' % stream)
    check(first.last_type == 'STATE', 'the last message of a sync is a STATE')
    check(options.other_stream not in first.seen_streams, 'only the selected stream is synced')

    # Block resume: the last STATE value of the previous run as --state_json.
    if first.states:
        state = json.dumps(first.states[-1])
        code, second, problems = run_sync(shim, flags + ['--state_json', state], stream)
        for problem in problems:
            check(False, 'resumed sync: ' + problem)
        check(code == 0 and second.last_type == 'STATE', 'a resumed sync exits 0 and ends with STATE')
        check(second.records < first.records, 'a resumed incremental sync does not start over')

    # Legacy path: --settings {"catalog"} and --state with the last line of a destination state file that
    # also names another stream (a bookmark override may); only this stream's bookmark may come back.
    settings_path = os.path.join(workdir, 'data_integration_catalog.json')
    with open(settings_path, 'w') as handle:
        json.dump({'catalog': catalog}, handle)
    state_path = os.path.join(workdir, 'state.json')
    with open(state_path, 'w') as handle:
        override = {'bookmarks': {options.other_stream: {'SystemModstamp': '2020-01-01T00:00:00.000Z'}}}
        if first.states:
            override['bookmarks'].update(first.states[-1]['bookmarks'])
        json.dump(override, handle)
    code, legacy, problems = run_sync(shim, ['--config_json', config, '--log_to_stdout', '1', '--settings',
                                             settings_path, '--state', state_path, '--query_json', '{}',
                                             '--selected_streams_json', selected], stream)
    for problem in problems:
        check(False, 'legacy sync: ' + problem)
    check(code == 0, 'legacy sync exits 0')

    # Mage pages SQL sources by _offset; this source must refuse rather than return a wrong page.
    code, paged, problems = run_sync(shim, ['--config_json', config, '--log_to_stdout', '1', '--query_json',
                                            '{"_offset": 50000, "_limit": 50000}', '--catalog_json', catalog_json,
                                            '--selected_streams_json', selected], stream)
    check(code != 0, 'an _offset > 0 is refused')

    # A fatal error in a sync: Mage shows the message of the first ERROR-level line as the block's error.
    broken = subprocess.run([PYTHON, shim, '--config_json', config, '--log_to_stdout', '1', '--catalog_json',
                             catalog_json, '--selected_streams_json', '["NoSuchStream"]'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    errors = [line for line in broken.stdout.split('\n') if log_printer_accepts(line) and 'fails the block' in
              log_printer_accepts(line)]
    check(broken.returncode != 0 and errors and 'NoSuchStream' in errors[0],
          'a failed sync exits non-zero after an ERROR line that names the problem')

    # Sample data (block path): SAMPLE_DATA lines whose sample_data decodes to a table.
    catalog_path = os.path.join(workdir, 'catalog.json')
    with open(catalog_path, 'w') as handle:
        json.dump(catalog, handle)
    sample = run(shim, ['--config_json', config, '--load_sample_data', '--log_to_stdout', '1', '--catalog',
                        catalog_path, '--selected_streams_json', selected])
    if check(sample.returncode == 0, 'load_sample_data exits 0: %s' % sample.stderr[-300:]):
        rows = []
        for line in sample.stdout.split('\n'):
            problem = log_printer_accepts(line)
            if problem:
                check(False, 'sample data: ' + problem)
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and row.get('type') == 'SAMPLE_DATA':
                rows.append(row)
        check(len(rows) == 1 and rows[0]['stream_id'] == stream, 'one SAMPLE_DATA line for the stream')
        if rows:
            table = json.loads(rows[0]['sample_data'])
            check(isinstance(table, dict) and all(isinstance(c, (dict, list)) for c in table.values())
                  and 'Id' in table, 'sample_data is a table of columns with Id')

    # The shim without Node: a readable fatal error, not a traceback.
    env = {k: v for k, v in os.environ.items() if k not in ('SALESFORCE_TS_NODE',)}
    env['PATH'] = workdir
    env['SALESFORCE_TS_ENTRY'] = env.get('SALESFORCE_TS_ENTRY') or os.path.join(workdir, 'missing')
    missing = run(shim, ['--config_json', config, '--test_connection'], timeout=10, env=env)
    message = test_connection_error(missing.stderr)
    check(missing.returncode == 2 and message and 'node not found' in message,
          'without node the shim exits 2 with "node not found" (got %r)' % message)
    return finish()


def finish():
    print('%d passed, %d failed' % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
