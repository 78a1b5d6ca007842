using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Shoal.Daemon.Http;

/// <summary>What the gate decided about a request, with the HTTP status it maps to.</summary>
public enum GateVerdict
{
    Allow = 200,
    /// <summary>Missing or wrong credentials (401, with a Basic challenge).</summary>
    Unauthorized = 401,
    /// <summary>A Host header that is not this machine by name or address, nor whitelisted: DNS rebinding (421).</summary>
    MisdirectedHost = 421,
    /// <summary>Missing or stale X-Transmission-Session-Id: the CSRF token exchange (409, with the right id).</summary>
    WrongSessionId = 409,
}

/// <summary>
/// The checks every RPC request passes before it is read, in Transmission's order: credentials, then the Host header,
/// then the session id. Nothing about the daemon's state is revealed before all three pass; the session id itself is
/// handed out only to a caller that passed the first two.
/// </summary>
public sealed class RpcGate
{
    public const string SessionIdHeader = "X-Transmission-Session-Id";

    private readonly byte[]? _credentialsHash;
    private readonly IReadOnlyList<string> _hostWhitelist;

    public RpcGate(RpcOptions options, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(options);
        SessionId = sessionId;
        _hostWhitelist = options.HostWhitelist;
        if (options.RequiresAuthentication) _credentialsHash = Hash(options.Username + ":" + options.Password);
    }

    public string SessionId { get; }

    public GateVerdict Check(string? authorization, string? host, string? sessionId)
    {
        if (!IsAuthorized(authorization)) return GateVerdict.Unauthorized;
        if (!IsHostAllowed(host)) return GateVerdict.MisdirectedHost;
        if (!string.Equals(sessionId, SessionId, StringComparison.Ordinal)) return GateVerdict.WrongSessionId;
        return GateVerdict.Allow;
    }

    /// <summary>Basic auth, compared in constant time (hashes of equal length whatever was sent).</summary>
    public bool IsAuthorized(string? authorization)
    {
        if (_credentialsHash is null) return true;
        const string prefix = "Basic ";
        if (authorization is null || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        Span<byte> decoded = stackalloc byte[512];
        if (!Convert.TryFromBase64String(authorization[prefix.Length..].Trim(), decoded, out int length)) return false;
        string given;
        try { given = new UTF8Encoding(false, true).GetString(decoded[..length]); }
        catch (DecoderFallbackException) { return false; }
        return CryptographicOperations.FixedTimeEquals(Hash(given), _credentialsHash);
    }

    /// <summary>IP literals and localhost are always allowed; other names only when whitelisted ('*' matches any run of characters).</summary>
    public bool IsHostAllowed(string? host)
    {
        if (string.IsNullOrEmpty(host)) return false;
        string name = StripPort(host);
        if (IPAddress.TryParse(name, out _)) return true;
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.Equals("localhost.", StringComparison.OrdinalIgnoreCase)) return true;
        return _hostWhitelist.Any(pattern => Matches(name, pattern));
    }

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            int end = host.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? host[1..end] : host;
        }
        int colon = host.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && colon == host.LastIndexOf(':') ? host[..colon] : host;
    }

    internal static bool Matches(string name, string pattern)
    {
        // Glob with '*' only: split on stars and find the pieces in order.
        var pieces = pattern.Split('*');
        if (pieces.Length == 1) return name.Equals(pattern, StringComparison.OrdinalIgnoreCase);
        if (!name.StartsWith(pieces[0], StringComparison.OrdinalIgnoreCase)) return false;
        int at = pieces[0].Length;
        for (int i = 1; i < pieces.Length - 1; i++)
        {
            int found = name.IndexOf(pieces[i], at, StringComparison.OrdinalIgnoreCase);
            if (found < 0) return false;
            at = found + pieces[i].Length;
        }
        return name.Length - at >= pieces[^1].Length && name.EndsWith(pieces[^1], StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
