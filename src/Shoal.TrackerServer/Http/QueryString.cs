namespace Shoal.TrackerServer.Http;

/// <summary>
/// Walks a raw (still percent-encoded) query string as key/value pairs without allocating. Values are binary after
/// decoding (info_hash, peer_id), so decoding goes to bytes, never through UTF-8; '+' stays '+' (RFC 3986, not forms).
/// </summary>
internal ref struct QueryString
{
    private ReadOnlySpan<char> _rest;

    public QueryString(ReadOnlySpan<char> query)
    {
        _rest = query.StartsWith('?') ? query[1..] : query;
    }

    public ReadOnlySpan<char> Key { get; private set; }

    public ReadOnlySpan<char> Value { get; private set; }

    /// <summary>Advances to the next non-empty pair.</summary>
    public bool MoveNext()
    {
        while (!_rest.IsEmpty)
        {
            int amp = _rest.IndexOf('&');
            var pair = amp < 0 ? _rest : _rest[..amp];
            _rest = amp < 0 ? default : _rest[(amp + 1)..];
            if (pair.IsEmpty) continue;
            int eq = pair.IndexOf('=');
            Key = eq < 0 ? pair : pair[..eq];
            Value = eq < 0 ? default : pair[(eq + 1)..];
            return true;
        }
        return false;
    }

    /// <summary>Percent-decodes into <paramref name="destination"/>; false on bad escapes, non-Latin-1 chars, or overflow.</summary>
    public static bool TryDecode(ReadOnlySpan<char> encoded, Span<byte> destination, out int written)
    {
        written = 0;
        for (int i = 0; i < encoded.Length; i++)
        {
            if (written == destination.Length) return false;
            char c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length) return false;
                int hi = HexValue(encoded[i + 1]), lo = HexValue(encoded[i + 2]);
                if (hi < 0 || lo < 0) return false;
                destination[written++] = (byte)(hi << 4 | lo);
                i += 2;
            }
            else
            {
                if (c > 0xFF) return false;
                destination[written++] = (byte)c;
            }
        }
        return true;
    }

    /// <summary>True when the (encoded) key decodes to the ASCII name; keys are compared after decoding.</summary>
    public static bool KeyIs(ReadOnlySpan<char> encodedKey, ReadOnlySpan<char> name)
    {
        if (!encodedKey.Contains('%')) return encodedKey.SequenceEqual(name);
        Span<byte> decoded = stackalloc byte[32];
        if (!TryDecode(encodedKey, decoded, out int length) || length != name.Length) return false;
        for (int i = 0; i < length; i++)
            if (decoded[i] != name[i]) return false;
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
