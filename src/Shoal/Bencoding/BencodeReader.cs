using System.Runtime.CompilerServices;

namespace Shoal.Bencoding;

/// <summary>
/// A strict, allocation-free, forward-only bencode reader (BEP 3).
/// It rejects everything a canonical encoder would never produce: leading zeros, "-0",
/// integers outside 64 bits, unsorted or duplicate dictionary keys, trailing bytes
/// (via <see cref="EnsureEnd"/>) and nesting deeper than <see cref="MaxDepth"/>.
/// </summary>
public ref struct BencodeReader
{
    /// <summary>The deepest nesting any reader accepts; callers may ask for less.</summary>
    public const int MaxDepth = 64;

    // Longest decimal form of a 64-bit integer plus sign; anything longer is out of range.
    private const int MaxIntegerDigits = 19;

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _maxDepth;
    private int _pos;
    private int _depth;
    private FrameStack _frames;

    public BencodeReader(ReadOnlySpan<byte> data, int maxDepth = 32)
    {
        if (maxDepth is < 1 or > MaxDepth)
            throw new ArgumentOutOfRangeException(nameof(maxDepth), $"must be between 1 and {MaxDepth}");
        _data = data;
        _maxDepth = maxDepth;
    }

    /// <summary>Offset of the next unread byte.</summary>
    public readonly int Position => _pos;

    /// <summary>How many lists/dictionaries are currently open.</summary>
    public readonly int Depth => _depth;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool IsAtEnd => _pos >= _data.Length;

    /// <summary>True when the next string read inside the current dictionary is a key.</summary>
    public readonly bool ExpectingKey => _depth > 0 && _frames[_depth - 1].IsDictionary && _frames[_depth - 1].ExpectKey;

    public readonly BencodeTokenType Peek()
    {
        if (_pos >= _data.Length) return BencodeTokenType.None;
        return _data[_pos] switch
        {
            (byte)'i' => BencodeTokenType.Integer,
            (byte)'l' => BencodeTokenType.ListStart,
            (byte)'d' => BencodeTokenType.DictionaryStart,
            (byte)'e' => BencodeTokenType.End,
            >= (byte)'0' and <= (byte)'9' => BencodeTokenType.String,
            _ => throw Error($"unexpected byte 0x{_data[_pos]:x2}"),
        };
    }

    public long ReadInteger()
    {
        BeginValue(isString: false);
        Expect((byte)'i', "an integer");
        int start = _pos;
        int end = ScanNumber(start, (byte)'e', allowSign: true, "integer");
        long value = ParseInteger(_data[start..end], start, allowNegative: true);
        _pos = end + 1;
        EndValue();
        return value;
    }

    /// <summary>Reads a byte string (or a dictionary key, which is checked for order).</summary>
    public ReadOnlySpan<byte> ReadString()
    {
        bool isKey = ExpectingKey;
        BeginValue(isString: true);
        int start = _pos;
        if ((uint)(_data[start] - '0') > 9) throw Error(isKey ? "dictionary key is not a string" : "expected a string");
        int colon = ScanNumber(start, (byte)':', allowSign: false, "string length");
        long length = ParseInteger(_data[start..colon], start, allowNegative: false);
        int bodyStart = colon + 1;
        if (length > _data.Length - bodyStart) throw Error($"string of {length} bytes runs past the end of input", start);
        var body = _data.Slice(bodyStart, (int)length);
        _pos = bodyStart + (int)length;
        if (isKey) AcceptKey(body, start);
        else EndValue();
        return body;
    }

    public void ReadListStart() => Open((byte)'l', isDictionary: false, "a list");

    public void ReadDictionaryStart() => Open((byte)'d', isDictionary: true, "a dictionary");

    /// <summary>Consumes the 'e' closing the innermost container, if it is next.</summary>
    public bool TryReadEnd()
    {
        if (_pos >= _data.Length) throw Error(_depth > 0 ? "unterminated list or dictionary" : "unexpected end of input");
        if (_data[_pos] != (byte)'e') return false;
        if (_depth == 0) throw Error("unexpected 'e' outside any list or dictionary");
        ref var frame = ref _frames[_depth - 1];
        if (frame.IsDictionary && !frame.ExpectKey) throw Error("dictionary key has no value");
        _pos++;
        _depth--;
        EndValue();
        return true;
    }

    /// <summary>Reads (and fully validates) the next value, returning its exact encoded bytes.</summary>
    public ReadOnlySpan<byte> ReadRawValue()
    {
        int start = _pos;
        SkipValue();
        return _data[start.._pos];
    }

    /// <summary>Validates and skips the next value, however deeply nested.</summary>
    public void SkipValue()
    {
        int targetDepth = _depth;
        do
        {
            switch (Peek())
            {
                case BencodeTokenType.Integer: ReadInteger(); break;
                case BencodeTokenType.String: ReadString(); break;
                case BencodeTokenType.ListStart: ReadListStart(); break;
                case BencodeTokenType.DictionaryStart: ReadDictionaryStart(); break;
                case BencodeTokenType.End:
                    if (_depth == targetDepth) throw Error("expected a value, found 'e'");
                    TryReadEnd();
                    break;
                default: throw Error(_depth > 0 ? "unterminated list or dictionary" : "unexpected end of input");
            }
        } while (_depth > targetDepth);
    }

    /// <summary>Throws unless every byte was consumed and every container closed.</summary>
    public readonly void EnsureEnd()
    {
        if (_depth > 0) throw Error("unterminated list or dictionary");
        if (_pos < _data.Length) throw Error($"{_data.Length - _pos} trailing bytes after the value");
    }

    private void Open(byte marker, bool isDictionary, string what)
    {
        BeginValue(isString: false);
        Expect(marker, what);
        if (_depth >= _maxDepth) throw Error($"nesting deeper than {_maxDepth} levels", _pos - 1);
        _frames[_depth++] = new Frame { IsDictionary = isDictionary, ExpectKey = true, KeyStart = -1 };
    }

    private readonly void BeginValue(bool isString)
    {
        if (_pos >= _data.Length) throw Error(_depth > 0 ? "unterminated list or dictionary" : "unexpected end of input");
        if (!isString && ExpectingKey) throw Error("dictionary key is not a string");
    }

    private void EndValue()
    {
        if (_depth == 0) return;
        ref var frame = ref _frames[_depth - 1];
        if (frame.IsDictionary) frame.ExpectKey = true;
    }

    private void AcceptKey(ReadOnlySpan<byte> key, int keyPosition)
    {
        ref var frame = ref _frames[_depth - 1];
        if (frame.KeyStart >= 0)
        {
            var previous = _data.Slice(frame.KeyStart, frame.KeyLength);
            int order = previous.SequenceCompareTo(key);
            if (order == 0) throw Error($"duplicate dictionary key \"{Printable(key)}\"", keyPosition);
            if (order > 0) throw Error($"dictionary key \"{Printable(key)}\" is out of order (after \"{Printable(previous)}\")", keyPosition);
        }
        frame.KeyStart = _pos - key.Length;
        frame.KeyLength = key.Length;
        frame.ExpectKey = false;
    }

    private void Expect(byte marker, string what)
    {
        if (_data[_pos] != marker) throw Error($"expected {what}");
        _pos++;
    }

    /// <summary>
    /// Finds the terminator after a run of digits, looking no further than the digits themselves, so a hostile
    /// input cannot make every number scan the rest of the buffer; the error names the offending byte.
    /// </summary>
    private readonly int ScanNumber(int start, byte terminator, bool allowSign, string what)
    {
        int i = start;
        if (allowSign && i < _data.Length && _data[i] == (byte)'-') i++;
        while (i < _data.Length && (uint)(_data[i] - '0') <= 9) i++;
        if (i >= _data.Length) throw Error($"unterminated {what}", start);
        if (_data[i] != terminator) throw Error($"invalid byte 0x{_data[i]:x2} in {what}", i);
        return i;
    }

    private readonly long ParseInteger(ReadOnlySpan<byte> digits, int position, bool allowNegative)
    {
        bool negative = allowNegative && digits.Length > 0 && digits[0] == (byte)'-';
        var magnitude = negative ? digits[1..] : digits;
        if (magnitude.IsEmpty) throw Error("empty integer", position);
        if (magnitude.Length > MaxIntegerDigits) throw Error("integer does not fit in 64 bits", position);
        if (magnitude[0] == (byte)'0' && (magnitude.Length > 1 || negative))
            throw Error(negative ? "negative zero" : "integer with a leading zero", position);
        ulong value = 0;
        foreach (byte b in magnitude)
        {
            if (b is < (byte)'0' or > (byte)'9') throw Error($"invalid digit 0x{b:x2} in integer", position);
            value = value * 10 + (ulong)(b - '0');
        }
        ulong limit = negative ? (ulong)long.MaxValue + 1 : long.MaxValue;
        if (value > limit) throw Error("integer does not fit in 64 bits", position);
        return negative ? (long)(0 - value) : (long)value;
    }

    private readonly BencodeException Error(string message) => new(message, _pos);

    private static BencodeException Error(string message, int position) => new(message, position);

    internal static string Printable(ReadOnlySpan<byte> key)
    {
        const int limit = 40;
        var shown = key.Length > limit ? key[..limit] : key;
        var chars = new char[shown.Length];
        for (int i = 0; i < shown.Length; i++) chars[i] = shown[i] is >= 0x20 and < 0x7f ? (char)shown[i] : '?';
        return key.Length > limit ? new string(chars) + "…" : new string(chars);
    }

    private struct Frame
    {
        public int KeyStart;
        public int KeyLength;
        public bool IsDictionary;
        public bool ExpectKey;
    }

    [InlineArray(MaxDepth)]
    private struct FrameStack
    {
        private Frame _element;
    }
}
