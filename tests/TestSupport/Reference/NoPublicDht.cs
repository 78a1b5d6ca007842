using System.Runtime.CompilerServices;

namespace Shoal.Tests.Support.Reference;

/// <summary>
/// The network-safety rule for the shoal processes tests and benchmarks start: this variable, inherited by every child
/// process, keeps the CLI's DHT off the public routers (and off the user's DHT state file). Only --dht-bootstrap nodes,
/// which tests set to loopback, are ever asked.
/// </summary>
internal static class NoPublicDht
{
    public const string Variable = "SHOAL_NO_PUBLIC_DHT";

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must hold before any test starts a process")]
    internal static void Set() => Environment.SetEnvironmentVariable(Variable, "1");
}
