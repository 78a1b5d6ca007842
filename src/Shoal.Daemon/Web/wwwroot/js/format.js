// Numbers as people read them. Binary units (KiB, MiB) as in the rest of Shoal; the RPC's limits are in KiB/s.

const sizeUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB". Negative or missing values (unknown) → "–". */
export function size(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return '–';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < sizeUnits.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${sizeUnits[unit]}`;
}

/** Bytes per second → "1.2 MiB/s"; zero is shown as an empty-looking dash so busy rows stand out. */
export function rate(bytesPerSecond) {
  if (!bytesPerSecond || bytesPerSecond < 0) return '–';
  return `${size(bytesPerSecond)}/s`;
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
