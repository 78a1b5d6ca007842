using CsCheck;
using Shoal.Bencoding;

namespace Shoal.Tests.Bencoding;

/// <summary>
/// Random bencode trees made of the keys a protocol uses and leaves that look like its values, so property tests of
/// a parser get past the bencode layer into its own checks.
/// </summary>
internal static class BencodeShapes
{
    public static Gen<BValue> Trees(string[] keys, Gen<BValue> leaf, int maxDepth = 3) => Gen.Recursive<BValue>((depth, self) =>
    {
        if (depth > maxDepth) return leaf;
        var list = self.List[0, 4].Select(items => (BValue)new BList(items));
        var dict = Gen.Select(Gen.OneOfConst(keys), self).List[0, 6].Select(pairs =>
        {
            var d = new BDictionary();
            foreach (var (key, value) in pairs) d.Add(key, value);
            return (BValue)d;
        });
        return Gen.Frequency((3, leaf), (1, list), (3, dict));
    });
}
