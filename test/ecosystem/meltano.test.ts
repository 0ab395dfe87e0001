import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MELTANO_FILE, renderMeltanoDefinition } from '../../scripts/meltano-definition.js';
import { SETTINGS } from '../../src/settings.js';
import { BIN, NODE, ROOT } from '../helpers/tap.js';

type Entry = Record<string, unknown>;

/**
 * Reads the extractor out of the shipped meltano.yml. The file uses a small YAML subset (block lists, `key: scalar`,
 * JSON-quoted strings, flow lists), so a line reader is enough and the test needs no YAML package.
 */
function readDefinition(text: string): { plugin: Entry; settings: Entry[] } {
  const plugin: Entry = {};
  const settings: Entry[] = [];
  let section = '';
  let current: Entry | null = null;
  let option: Entry | null = null;
  const value = (raw: string): unknown => {
    const t = raw.trim();
    if (t.startsWith('[') && !t.startsWith('["') && !/^\[\s*[\d"tfn\]]/.test(t)) {
      return t
        .slice(1, -1)
        .split(',')
        .map((s) => s.trim());
    }
    return JSON.parse(t);
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (indent === 4 && body.startsWith('- name: ')) {
      plugin.name = body.slice(8);
      continue;
    }
    if (indent === 6) {
      const [key, ...rest] = body.split(':');
      const raw = rest.join(':').trim();
      section = key ?? '';
      if (raw !== '') plugin[section] = /^[\w-]+$/.test(raw) ? raw : value(raw);
      else plugin[section] = [];
      continue;
    }
    if (section === 'capabilities' && indent === 8) (plugin.capabilities as string[]).push(body.slice(2));
    if (section === 'settings_group_validation' && indent === 8) {
      (plugin.settings_group_validation as unknown[]).push(value(body.slice(2)));
    }
    if (section !== 'settings') continue;
    if (indent === 8 && body.startsWith('- name: ')) {
      current = { name: body.slice(8) };
      settings.push(current);
    } else if (indent === 10 && current) {
      const key = body.slice(0, body.indexOf(':'));
      const raw = body.slice(body.indexOf(':') + 1).trim();
      if (key === 'options') current.options = [];
      else current[key] = key === 'kind' ? raw : value(raw);
    } else if (indent === 12 && current && body.startsWith('- label: ')) {
      option = { label: value(body.slice(9)) };
      (current.options as Entry[]).push(option);
    } else if (indent === 14 && option && body.startsWith('value: ')) {
      option.value = value(body.slice(7));
    }
  }
  return { plugin, settings };
}

describe('Meltano plugin definition', () => {
  const text = readFileSync(join(ROOT, MELTANO_FILE), 'utf8');

  it('is what the generator renders from the settings table (regenerate with scripts/meltano-definition.ts)', () => {
    expect(text).toBe(renderMeltanoDefinition());
  });

  it('matches `--about --format json`: capabilities, and every setting with kind, description, default and sensitivity', () => {
    // Pretty JSON on stdout, so not through runTap (which parses line by line); no config, no credentials.
    const run = spawnSync(NODE, [BIN, '--about', '--format', 'json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {},
    });
    expect(run.status, run.stderr).toBe(0);
    const about = JSON.parse(run.stdout) as {
      capabilities: string[];
      settings: { properties: Record<string, Entry> };
    };
    const { plugin, settings } = readDefinition(text);
    expect(plugin.name).toBe('tap-salesforce');
    expect(plugin.executable).toBe('tap-salesforce');
    expect(plugin).not.toHaveProperty('pip_url');
    expect(plugin.capabilities).toEqual(about.capabilities);
    expect(settings.map((s) => s.name)).toEqual(Object.keys(about.settings.properties));
    for (const setting of settings) {
      const property = about.settings.properties[String(setting.name)] as Entry;
      expect(setting.kind, String(setting.name)).toBe(property.kind);
      expect(setting.description, String(setting.name)).toBe(property.description);
      expect(setting.label, String(setting.name)).toBe(property.title);
      expect(setting.value, String(setting.name)).toEqual(property.default);
      expect(setting.sensitive === true, String(setting.name)).toBe(property.secret === true);
      if (property.enum) expect((setting.options as Entry[]).map((o) => o.value)).toEqual(property.enum);
    }
    // Every secret of the settings table is marked, and nothing else is.
    expect(settings.filter((s) => s.sensitive).map((s) => s.name)).toEqual(
      SETTINGS.filter((s) => s.secret).map((s) => s.name),
    );
  });

  it('parses as YAML to the same definition (when PyYAML is available)', () => {
    const probe = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' });
    if (probe.status !== 0) return;
    const parsed = spawnSync(
      'python3',
      ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
      { input: text, encoding: 'utf8' },
    );
    expect(parsed.status).toBe(0);
    const extractor = JSON.parse(parsed.stdout).plugins.extractors[0];
    const { plugin, settings } = readDefinition(text);
    expect(extractor.capabilities).toEqual(plugin.capabilities);
    expect(extractor.settings_group_validation).toEqual(plugin.settings_group_validation);
    expect(extractor.settings).toEqual(settings);
  });
});
