namespace Shoal.Browser.Tests.Infrastructure;

/// <summary>
/// For scenarios that fail today only because the daemon or engine lacks a feature (named in each test's Skip reason):
/// they are skipped by default so the suite stays green, and run with SHOAL_RUN_PENDING=1 — the day the feature
/// lands, run them that way and delete the Skip. Their assertions are the real ones, not weakened.
/// </summary>
public static class PendingDaemonFeature
{
    public static bool Run => Environment.GetEnvironmentVariable("SHOAL_RUN_PENDING") == "1";
}
