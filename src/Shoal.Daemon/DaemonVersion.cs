using System.Reflection;

namespace Shoal.Daemon;

/// <summary>The version the daemon reports (session-get "version").</summary>
public static class DaemonVersion
{
    public static string Short { get; } =
        typeof(DaemonVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static string Long { get; } = $"{Short} (Shoal)";
}
