using System.Reflection;
using Shoal.Client;

namespace Shoal.Tests.Architecture;

/// <summary>
/// The layering of README's architecture, checked on the compiled assemblies: each namespace uses only the ones its
/// rule allows, in signatures and in method bodies alike. The library's layers go Bencoding → Metainfo → Wire →
/// Storage → Transport → Swarm → Trackers / Discovery → Client (Storage does not use Wire); the tracker server, the
/// daemon and the command line sit on top, and the tracker server does not use the peer engine.
/// </summary>
public class LayeringTests
{
    private static readonly string[] Library = ["Bencoding", "Metainfo", "Wire", "Storage", "Transport", "Swarm", "Trackers", "Discovery", "Client"];

    private static readonly string[] UpToSwarm = ["Bencoding", "Metainfo", "Wire", "Storage", "Transport", "Swarm"];

    /// <summary>Namespace (the segment after "Shoal.") → the namespaces it may use besides itself.</summary>
    internal static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Bencoding"] = [],
        ["Metainfo"] = ["Bencoding"],
        ["Wire"] = ["Bencoding", "Metainfo"],
        ["Storage"] = ["Bencoding", "Metainfo"],
        ["Transport"] = ["Bencoding", "Metainfo", "Wire"],
        ["Swarm"] = ["Bencoding", "Metainfo", "Wire", "Storage", "Transport"],
        ["Trackers"] = UpToSwarm,
        ["Discovery"] = UpToSwarm,
        ["Client"] = Library,
        // The tracker server (namespace Shoal.Tracker, or Shoal.TrackerServer once renamed): no peer engine, no client.
        ["Tracker"] = ["Bencoding", "Metainfo", "Wire", "Storage", "Transport", "Trackers"],
        ["TrackerServer"] = ["Bencoding", "Metainfo", "Wire", "Storage", "Transport", "Trackers"],
        ["Daemon"] = [.. Library, "Tracker", "TrackerServer"],
        ["Cli"] = [.. Library, "Tracker", "TrackerServer", "Daemon"],
    };

    /// <summary>The product assemblies: the library, the tracker server, the command line (and the daemon when built).</summary>
    private static IEnumerable<Assembly> Product()
    {
        yield return typeof(ShoalClient).Assembly;
        yield return typeof(Shoal.Cli.UserErrorException).Assembly;
        foreach (var name in new[] { "Shoal.Tracker", "Shoal.TrackerServer", "Shoal.Daemon" })
        {
            Assembly? assembly = null;
            try { assembly = Assembly.Load(name); }
            catch (FileNotFoundException) { }
            if (assembly is not null) yield return assembly;
        }
    }

    [Fact]
    public void Every_namespace_uses_only_the_layers_its_rule_allows()
    {
        var violations = Violations(Product(), Allowed);
        Assert.True(violations.Count == 0, $"{violations.Count} layering violations:\n" + string.Join('\n', violations.Take(100)));
    }

    [Fact]
    public void Every_product_namespace_has_a_rule()
    {
        var unknown = Product().SelectMany(Types).Select(t => LayerOf(t)).OfType<string>().Distinct().Where(l => !Allowed.ContainsKey(l)).ToList();
        Assert.True(unknown.Count == 0, $"namespaces without a layering rule (add them to LayeringTests.Allowed): {string.Join(", ", unknown)}");
    }

    /// <summary>The checker sees through method bodies: a use that appears only in IL is reported.</summary>
    [Fact]
    public void A_use_inside_a_method_body_only_is_a_violation()
    {
        // Metainfo's TorrentInfo.Parse calls into Bencoding only inside its body (its signature takes bytes).
        var rules = new Dictionary<string, string[]>(Allowed) { ["Metainfo"] = [] };
        var violations = Violations([typeof(ShoalClient).Assembly], rules);
        Assert.Contains(violations, v => v.StartsWith("Shoal.Metainfo.", StringComparison.Ordinal) && v.Contains("uses Shoal.Bencoding.", StringComparison.Ordinal) &&
                                         v.Contains(" body (", StringComparison.Ordinal));
    }

    internal static List<string> Violations(IEnumerable<Assembly> assemblies, IReadOnlyDictionary<string, string[]> rules)
    {
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in assemblies.SelectMany(Types))
        {
            if (LayerOf(type) is not { } layer || !rules.TryGetValue(layer, out var allowed)) continue;
            foreach (var (used, where) in TypeReferences.Of(type))
            {
                if (LayerOf(used) is not { } usedLayer || usedLayer == layer || allowed.Contains(usedLayer)) continue;
                violations.Add($"{Name(type)} uses {Name(used)} ({where}): {layer} may not use {usedLayer}");
            }
        }
        return [.. violations];
    }

    private static IEnumerable<Type> Types(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException ex) { return ex.Types.OfType<Type>(); }
    }

    /// <summary>"Swarm" for Shoal.Swarm and Shoal.Swarm.Anything; null outside Shoal.</summary>
    private static string? LayerOf(Type type)
    {
        var ns = type.Namespace;
        if (ns is null || !ns.StartsWith("Shoal.", StringComparison.Ordinal)) return null;
        var rest = ns["Shoal.".Length..];
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static string Name(Type type) => (type.FullName ?? type.Name).Split('+')[0].Split('`')[0];
}
