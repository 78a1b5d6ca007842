using System.Net;
using Microsoft.AspNetCore.Http;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Service;

namespace Shoal.TrackerServer.Http;

/// <summary>
/// Who sent an HTTP request, and how far to believe it. Without <see cref="TrackerOptions.TrustProxy"/> it is the socket's
/// address, local only when that is loopback and no proxy header is present (a proxy on this machine forwarding remote
/// clients is not "this machine"). With it, the last X-Forwarded-For entry, never local; a request the proxy did not
/// name is <see cref="SourceTrust.Unidentified"/>, not taken for the proxy's own loopback address.
/// </summary>
internal static class RequestSource
{
    private static readonly string[] ProxyHeaders = ["X-Forwarded-For", "Forwarded", "X-Real-IP", "Via"];

    public static AnnounceSource Of(HttpContext context, TrackerOptions options)
    {
        var socket = Unmapped(context.Connection.RemoteIpAddress);
        if (socket is null) return new AnnounceSource(PeerEndpoint.FromAddress([0, 0, 0, 0], 0), SourceTrust.Unidentified);
        if (options.TrustProxy)
        {
            return Forwarded(context.Request.Headers) is { } forwarded
                ? new AnnounceSource(PeerEndpoint.FromIPAddress(forwarded, 0), SourceTrust.Remote)
                : new AnnounceSource(PeerEndpoint.FromIPAddress(socket, 0), SourceTrust.Unidentified);
        }
        bool local = IPAddress.IsLoopback(socket) && !HasProxyHeader(context.Request.Headers);
        return new AnnounceSource(PeerEndpoint.FromIPAddress(socket, 0), local ? SourceTrust.Local : SourceTrust.Remote);
    }

    // Our proxy appends the address it saw last; earlier entries are whatever the client claimed.
    private static IPAddress? Forwarded(IHeaderDictionary headers)
    {
        if (!headers.TryGetValue("X-Forwarded-For", out var forwarded) || forwarded.Count == 0) return null;
        var last = forwarded[^1] ?? "";
        int comma = last.LastIndexOf(',');
        return IPAddress.TryParse(last.AsSpan(comma + 1).Trim(), out var address) ? Unmapped(address) : null;
    }

    private static bool HasProxyHeader(IHeaderDictionary headers)
    {
        foreach (var name in ProxyHeaders)
            if (headers.ContainsKey(name)) return true;
        return false;
    }

    private static IPAddress? Unmapped(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}
