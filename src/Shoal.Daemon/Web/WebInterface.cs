using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Shoal.Daemon.Http;

namespace Shoal.Daemon.Web;

/// <summary>
/// Serves the web interface at "/" on the RPC port, behind the RPC's own credential and Host-header checks, so the
/// page and its files are exactly as protected as the RPC. The page itself changes nothing: every action goes
/// through the public RPC, with its session-id (CSRF) token.
/// </summary>
internal static class WebInterface
{
    /// <summary>
    /// No inline script or style, nothing from another origin, no framing (clickjacking), no form posts, no
    /// plugins; the page talks only to its own origin's RPC.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Headers for every response of the RPC port (the page, its files, the RPC and errors alike).</summary>
    public static void AddSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }

    /// <summary>
    /// Answers GET or HEAD of "/", of one of the page's files, or of Transmission's old web path, after the gate's
    /// credential and Host checks (the session id is the RPC's business: loading the page changes nothing).
    /// False for any other request, which the caller answers.
    /// </summary>
    public static async Task<bool> TryServeAsync(HttpContext context, RpcGate gate, WebAssets assets)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)) return false;
        string path = request.Path.Value ?? "/";
        if (!IsTransmissionWebPath(path) && assets.Find(path) is null) return false;
        var response = context.Response;
        AddSecurityHeaders(response);
        if (!gate.IsAuthorized(request.Headers.Authorization))
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"Shoal\"";
            await Refuse(response, StatusCodes.Status401Unauthorized, "401: this daemon wants its RPC user name and password").ConfigureAwait(false);
        }
        else if (!gate.IsHostAllowed(request.Headers.Host))
        {
            await Refuse(response, StatusCodes.Status421MisdirectedRequest, "421: open the page by IP address or localhost, or allow this name with --rpc-host-whitelist").ConfigureAwait(false);
        }
        else
        {
            await ServeAsync(context, assets, path).ConfigureAwait(false);
        }
        return true;
    }

    private static async Task ServeAsync(HttpContext context, WebAssets assets, string path)
    {
        var request = context.Request;
        var response = context.Response;
        if (IsTransmissionWebPath(path))
        {
            // Bookmarks of Transmission's web client land on this one.
            response.StatusCode = StatusCodes.Status301MovedPermanently;
            response.Headers.Location = "/";
            return;
        }
        var asset = assets.Find(path)!;
        response.Headers.ETag = asset.ETag;
        // Revalidated on every load (a 304 costs a few bytes), so an upgraded daemon never serves stale scripts.
        response.Headers.CacheControl = "no-cache";
        response.Headers.Vary = HeaderNames.AcceptEncoding;
        if (request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Tag == asset.ETag || tag.Equals(EntityTagHeaderValue.Any)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        byte[] body = asset.Content;
        if (asset.Compressible)
        {
            string accepted = request.Headers.AcceptEncoding.ToString();
            if (Accepts(accepted, "br"))
            {
                body = asset.Brotli;
                response.Headers.ContentEncoding = "br";
            }
            else if (Accepts(accepted, "gzip"))
            {
                body = asset.Gzip;
                response.Headers.ContentEncoding = "gzip";
            }
        }
        response.ContentType = asset.ContentType;
        response.ContentLength = body.Length;
        if (HttpMethods.IsHead(request.Method)) return;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task Refuse(HttpResponse response, int status, string text)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(text + "\n");
    }

    private static bool IsTransmissionWebPath(string path) =>
        path.Equals("/transmission/web", StringComparison.Ordinal) || path.Equals("/transmission/web/", StringComparison.Ordinal)
        || path.Equals("/transmission", StringComparison.Ordinal) || path.Equals("/transmission/", StringComparison.Ordinal);

    /// <summary>Whether an Accept-Encoding value lists a coding with a non-zero quality.</summary>
    internal static bool Accepts(string acceptEncoding, string coding)
    {
        foreach (var part in acceptEncoding.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split(';', StringSplitOptions.TrimEntries);
            if (!pieces[0].Equals(coding, StringComparison.OrdinalIgnoreCase)) continue;
            return !pieces.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000");
        }
        return false;
    }
}
