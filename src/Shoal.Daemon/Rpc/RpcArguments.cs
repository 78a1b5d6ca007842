using System.Globalization;
using System.Text.Json;

namespace Shoal.Daemon.Rpc;

/// <summary>
/// A request's <c>arguments</c> object, read as leniently as Transmission reads it: integers also from true/false and from
/// whole doubles, booleans also from 0/1 and "true"/"false", doubles also from integers and numeric strings. A key with a
/// value of the wrong kind reads as absent.
/// </summary>
public readonly struct RpcArguments(JsonElement element)
{
    public static RpcArguments Empty => default;

    private bool IsObject => element.ValueKind == JsonValueKind.Object;

    public bool Has(string key) => IsObject && element.TryGetProperty(key, out _);

    public bool TryGet(string key, out JsonElement value)
    {
        value = default;
        return IsObject && element.TryGetProperty(key, out value);
    }

    public long? Int(string key) => TryGet(key, out var v) && TryInt(v, out long n) ? n : null;

    public bool? Bool(string key) => TryGet(key, out var v) && TryBool(v, out bool b) ? b : null;

    public double? Double(string key)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d)) return d;
        if (v.ValueKind == JsonValueKind.String && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d))
            return d;
        return null;
    }

    public string? String(string key) => TryGet(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The list under <paramref name="key"/> (null when absent or not a list); entries that are not integers are skipped.</summary>
    public IReadOnlyList<long>? IntList(string key)
    {
        if (!TryGet(key, out var v) || v.ValueKind != JsonValueKind.Array) return null;
        var list = new List<long>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            if (TryInt(item, out long n)) list.Add(n);
        }
        return list;
    }

    /// <summary>The list under <paramref name="key"/> (null when absent or not a list); entries that are not strings are skipped.</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        if (!TryGet(key, out var v) || v.ValueKind != JsonValueKind.Array) return null;
        var list = new List<string>(v.GetArrayLength());
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String) list.Add(item.GetString()!);
        }
        return list;
    }

    public static bool TryInt(JsonElement value, out long result)
    {
        result = 0;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (value.TryGetInt64(out result)) return true;
                if (value.TryGetDouble(out double d) && double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < 9e15)
                {
                    result = (long)d;
                    return true;
                }
                return false;
            case JsonValueKind.True:
                result = 1;
                return true;
            case JsonValueKind.False:
                return true;
            default:
                return false;
        }
    }

    public static bool TryBool(JsonElement value, out bool result)
    {
        result = false;
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                result = true;
                return true;
            case JsonValueKind.False:
                return true;
            case JsonValueKind.Number when value.TryGetInt64(out long n) && n is 0 or 1:
                result = n == 1;
                return true;
            case JsonValueKind.String when value.GetString() is "true" or "false":
                result = value.GetString() == "true";
                return true;
            default:
                return false;
        }
    }
}
