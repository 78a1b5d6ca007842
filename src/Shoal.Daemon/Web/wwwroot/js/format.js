// Numbers as people read them, in the units the daemon announces (session-get `units`): speed limits travel in
// its speed unit (Transmission's default is kB/s of 1000 bytes), so rates are shown in the same unit as the limits.

const units = {
  size: { base: 1024, names: ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] },
  speed: { base: 1024, names: ['B/s', 'KiB/s', 'MiB/s', 'GiB/s', 'TiB/s'] },
};

/** Adopts the daemon's units (session-get's `units` object); anything missing or odd keeps the defaults. */
export function configureUnits(rpcUnits) {
  const adopt = (target, base, names, suffix) => {
    if ((base === 1000 || base === 1024) && Array.isArray(names) && names.length >= 3 && names.every((n) => typeof n === 'string')) {
      target.base = base;
      target.names = [`B${suffix}`, ...names.map(String)];
    }
  };
  adopt(units.size, rpcUnits?.['size-bytes'], rpcUnits?.['size-units'], '');
  adopt(units.speed, rpcUnits?.['speed-bytes'], rpcUnits?.['speed-units'], '/s');
}

/** The unit the RPC's speed limits are given in ("kB/s"), and its size in bytes. */
export function speedLimitUnit() {
  return { name: units.speed.names[1], bytes: units.speed.base };
}

function scaled(value, { base, names }) {
  let unit = 0;
  while (value >= base && unit < names.length - 1) {
    value /= base;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} ${names[0]}`;
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${names[unit]}`;
}

/** 1536 → "1.50 KiB" (or "1.54 kB"). Negative or missing values (unknown) → "–". */
export function size(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return '–';
  return scaled(bytes, units.size);
}

/** Bytes per second → "1.20 MB/s"; zero is a dash so busy rows stand out. */
export function rate(bytesPerSecond) {
  if (!bytesPerSecond || bytesPerSecond < 0) return '–';
  return scaled(bytesPerSecond, units.speed);
}

/** Like rate(), but zero reads "0 B/s" (for totals, where a dash would look like "unknown"). */
export function rateOrZero(bytesPerSecond) {
  return scaled(Math.max(0, bytesPerSecond || 0), units.speed);
}

/** A limit in the RPC's speed unit → "200 kB/s". */
export function limit(value) {
  return `${Math.round(value)} ${speedLimitUnit().name}`;
}

/** Seconds → "3h 12m". Transmission's -1 (not available) and -2 (unknown) → "∞" and "–". */
export function eta(seconds) {
  if (seconds === -1) return '';
  if (typeof seconds !== 'number' || seconds < 0) return '∞';
  return duration(seconds);
}

/** Seconds → the two largest units: "45s", "12m 5s", "3h 12m", "2d 4h". */
export function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  if (d < 365) return `${d}d ${h % 24}h`;
  return `${Math.floor(d / 365)}y ${d % 365}d`;
}

/** Upload ratio: -1 is "not available", -2 is "infinite" in the RPC. */
export function ratio(value) {
  if (value === -2) return '∞';
  if (typeof value !== 'number' || value < 0) return '–';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

/** 0.4567 → "45.7%"; 1 → "100%". */
export function percent(fraction) {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction)) return '–';
  const p = Math.max(0, Math.min(1, fraction)) * 100;
  if (p >= 100) return '100%';
  return `${p < 10 ? p.toFixed(2) : p.toFixed(1)}%`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Unix seconds → local date and time; 0 (never) → "–". */
export function date(unixSeconds) {
  if (!unixSeconds || unixSeconds <= 0) return '–';
  return dateFormat.format(new Date(unixSeconds * 1000));
}

/** Unix seconds → "12s ago" / "in 3m" relative to now (nowSeconds). */
export function relative(unixSeconds, nowSeconds) {
  if (!unixSeconds || unixSeconds <= 0) return '–';
  const delta = unixSeconds - nowSeconds;
  if (Math.abs(delta) < 1) return 'now';
  return delta < 0 ? `${duration(-delta)} ago` : `in ${duration(delta)}`;
}

/** A count with thousands separators. */
export function count(n) {
  return typeof n === 'number' ? n.toLocaleString() : '–';
}
