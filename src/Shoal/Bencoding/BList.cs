using System.Collections;

namespace Shoal.Bencoding;

public sealed class BList : BValue, IReadOnlyList<BValue>
{
    private readonly List<BValue> _items = [];

    public BList() { }

    public BList(IEnumerable<BValue> items) => _items.AddRange(items);

    public int Count => _items.Count;

    public BValue this[int index] => _items[index];

    public void Add(BValue item) => _items.Add(item);

    public override void WriteTo(BencodeWriter writer)
    {
        writer.WriteListStart();
        foreach (var item in _items) item.WriteTo(writer);
        writer.WriteEnd();
    }

    public IEnumerator<BValue> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override bool Equals(object? obj) => obj is BList other && _items.SequenceEqual(other._items);

    public override int GetHashCode() => _items.Count;
}
