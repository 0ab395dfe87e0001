// Value pools. Rows pick from these by hash, so serialised forms can be computed once.

const LONG_TEXT = (() => {
  const para = 'Long text, with "quotes", commas, tabs\tand lines\nthat go on; ünïcödé ✓ 🚀 — ';
  let s = '';
  while (s.length < 32000) s += para;
  return s.slice(0, 32000);
})();

/** Text that exercises every CSV/JSON escaping rule Salesforce data can need. */
export const STRESS_TEXT: string[] = [
  'Plain text',
  'Comma, separated, words',
  'She said "hello" and left',
  'Line one\nLine two',
  'Windows line\r\nending',
  'Tab\tseparated\tvalues',
  'Emoji 😀🎉 and accents: café, naïve, Zürich',
  '日本語のテキスト、中文字符, 한국어',
  'Quote at end"',
  '"Leading quote',
  'Backslash \\ and slash /',
  '  leading and trailing spaces  ',
  '=SUM(A1:A2) looks like a formula',
  '',
];

export { LONG_TEXT };

export const COMPANY_WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Müller & Söhne',
  'Café "Le Nord"',
  'Smith, Jones and Co',
  'Ōsaka Trading 株式会社',
];

export const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Linus',
  'Zoë',
  'José',
  'Øystein',
  'Siobhán',
  'Mei',
  'Olu',
];
export const LAST_NAMES = ["O'Brien", 'Smith', 'García', 'Nguyen', 'Müller', 'Kowalski', 'Dubois', 'Tanaka'];

export interface Address {
  street: string;
  city: string;
  state: string;
  postalCode: string;
  country: string;
  latitude: number | null;
  longitude: number | null;
  geocodeAccuracy: string | null;
}

export const ADDRESSES: (Address | null)[] = [
  {
    street: '1 Market St\nSuite 300',
    city: 'San Francisco',
    state: 'CA',
    postalCode: '94105',
    country: 'US',
    latitude: 37.793846,
    longitude: -122.394837,
    geocodeAccuracy: 'Address',
  },
  {
    street: '10 Downing St',
    city: 'London',
    state: '',
    postalCode: 'SW1A 2AA',
    country: 'GB',
    latitude: 51.503396,
    longitude: -0.127696,
    geocodeAccuracy: 'Zip',
  },
  {
    street: 'Bahnhofstrasse 1, "Haus B"',
    city: 'Zürich',
    state: 'ZH',
    postalCode: '8001',
    country: 'CH',
    latitude: null,
    longitude: null,
    geocodeAccuracy: null,
  },
  {
    street: '1-1 Marunouchi\r\nChiyoda-ku',
    city: '東京',
    state: 'Tokyo',
    postalCode: '100-0005',
    country: 'JP',
    latitude: 35.681236,
    longitude: 139.767125,
    geocodeAccuracy: 'Street',
  },
  null,
  {
    street: '500 Oracle Pkwy',
    city: 'Redwood City',
    state: 'CA',
    postalCode: '94065',
    country: 'US',
    latitude: 37.5295,
    longitude: -122.2655,
    geocodeAccuracy: 'City',
  },
];

export const PHONES = ['(415) 555-0100', '+44 20 7946 0958', '+81-3-1234-5678', '555.0199 x12'];
export const URLS = ['https://www.example.com', 'http://example.org/path?q=a,b&x="y"', 'www.acme.test'];
export const EMAILS = ['ada@example.com', 'o.brien+test@example.org', 'zoë@exämple.de'];
