using System.Collections;
using System.Text;

namespace Shoal.Bencoding;

/// <summary>A dictionary kept in raw-byte key order, so it always encodes canonically.</summary>
public sealed class BDictionary : BValue, IEnumerable<KeyValuePair<BString, BValue>>
{
    private readonly List<KeyValuePair<BString, BValue>> _entries = [];

    public int Count => _entries.Count;

    public BValue? this[string key]
    {
        get => TryGetValue(Encoding.UTF8.GetBytes(key), out var value) ? value : null;
        set => Set(Encoding.UTF8.GetBytes(key), value);
    }

    public bool TryGetValue(ReadOnlySpan<byte> key, out BValue value)
    {
        int index = IndexOf(key);
        value = index >= 0 ? _entries[index].Value : null!;
        return index >= 0;
    }

    public bool ContainsKey(string key) => IndexOf(Encoding.UTF8.GetBytes(key)) >= 0;

    public T? Get<T>(string key) where T : BValue => this[key] as T;

    /// <summary>Sets (or, with null, removes) an entry, keeping key order.</summary>
    public void Set(ReadOnlySpan<byte> key, BValue? value)
    {
        int index = IndexOf(key);
        if (value is null)
        {
            if (index >= 0) _entries.RemoveAt(index);
            return;
        }
        var entry = new KeyValuePair<BString, BValue>(new BString(key.ToArray()), value);
        if (index >= 0) _entries[index] = entry;
        else _entries.Insert(~index, entry);
    }

    public void Add(string key, BValue value) => Set(Encoding.UTF8.GetBytes(key), value);

    public void Add(string key, long value) => Add(key, new BInteger(value));

    public void Add(string key, string value) => Add(key, new BString(value));

    /// <summary>Appends an entry whose key is known to sort after every existing one (used by the parser).</summary>
    internal void AddSorted(byte[] key, BValue value) => _entries.Add(new(new BString(key), value));

    public override void WriteTo(BencodeWriter writer)
    {
        writer.WriteDictionaryStart();
        foreach (var (key, value) in _entries)
        {
            writer.WriteString(key.Span);
            value.WriteTo(writer);
        }
        writer.WriteEnd();
    }

    public IEnumerator<KeyValuePair<BString, BValue>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override bool Equals(object? obj) =>
        obj is BDictionary other && other._entries.Count == _entries.Count &&
        _entries.Zip(other._entries).All(p => p.First.Key.Equals(p.Second.Key) && p.First.Value.Equals(p.Second.Value));

    public override int GetHashCode() => _entries.Count;

    /// <summary>Binary search by raw key bytes; returns the bitwise complement of the insertion point when absent.</summary>
    private int IndexOf(ReadOnlySpan<byte> key)
    {
        int lo = 0, hi = _entries.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int order = _entries[mid].Key.Span.SequenceCompareTo(key);
            if (order == 0) return mid;
            if (order < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }
}
