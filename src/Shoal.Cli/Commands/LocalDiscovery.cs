using System.Net;
using Shoal.Client;

namespace Shoal.Cli.Commands;

/// <summary>
/// Whether `seed`/`get` look for peers on the LAN with BEP 14 multicast: yes by default, no with --no-lsd, and never
/// when bound to a loopback address (nothing on the LAN could answer, and tests on 127.0.0.1 must not send multicast).
/// </summary>
internal static class LocalDiscovery
{
    public static bool Wanted(bool disabled, ClientOptions options) =>
        !disabled && !IPAddress.IsLoopback(options.Engine.ListenAddress) &&
        Environment.GetEnvironmentVariable("SHOAL_NO_LSD") is not ("1" or "true");
}
