using System.Text.RegularExpressions;
using Shoal.Discovery.Dht;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>
/// The network-safety rule for the DHT: a node's default bootstrap routers are public machines, so no test or benchmark
/// may ever start a node with the defaults. Every <c>new DhtOptions</c> under tests/ and bench/ must set
/// <c>BootstrapNodes</c> itself, and nothing there may name the public list.
/// </summary>
public sealed partial class DhtBootstrapGuardTests
{
    [Fact]
    public void The_defaults_are_the_public_routers_the_issue_names()
    {
        Assert.Equal(["router.bittorrent.com:6881", "router.utorrent.com:6881", "dht.transmissionbt.com:6881", "dht.libtorrent.org:25401"],
            new DhtOptions().BootstrapNodes);
    }

    [Fact]
    public void No_test_or_benchmark_builds_dht_options_without_its_own_bootstrap_nodes()
    {
        var root = RepositoryRoot();
        var offenders = new List<string>();
        int checkedSites = 0;
        foreach (var folder in new[] { "tests", "bench" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || file.EndsWith(nameof(DhtBootstrapGuardTests) + ".cs"))
                    continue;
                var text = File.ReadAllText(file);
                if (text.Contains(nameof(DhtOptions.PublicBootstrapNodes))) offenders.Add($"{file}: names the public routers");
                foreach (Match site in NewOptions().Matches(text))
                {
                    checkedSites++;
                    var initializer = site.Groups["init"];
                    if (!initializer.Success || !initializer.Value.Contains("BootstrapNodes"))
                        offenders.Add($"{file}: 'new DhtOptions' without BootstrapNodes at offset {site.Index}");
                }
            }
        }
        Assert.True(checkedSites > 0, "the scan found no DhtOptions at all: it is looking in the wrong place");
        Assert.Empty(offenders);
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Shoal.slnx"))) return folder.FullName;
        throw new DirectoryNotFoundException("Shoal.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary><c>new DhtOptions</c>, optionally <c>()</c>, and its object initializer if it has one (one level of braces).</summary>
    [GeneratedRegex(@"new\s+DhtOptions\s*(\(\s*\))?\s*(?<init>\{[^{}]*\})?")]
    private static partial Regex NewOptions();
}
