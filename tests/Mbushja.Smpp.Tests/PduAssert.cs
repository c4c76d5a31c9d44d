using System.Reflection;
using Mbushja.Smpp.Pdus;

using Mbushja.Testing;

namespace Mbushja.Smpp.Tests;

/// <summary>Compares PDUs property by property (octet fields by content), naming the first property that differs.</summary>
internal static class PduAssert
{
    public static void Equal(Pdu expected, Pdu actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        foreach (PropertyInfo property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? e = property.GetValue(expected);
            object? a = property.GetValue(actual);
            if (e is ReadOnlyMemory<byte> em && a is ReadOnlyMemory<byte> am)
            {
                Assert.True(em.Span.SequenceEqual(am.Span), $"{property.Name}: expected {Hex.Format(em.Span)}, got {Hex.Format(am.Span)}");
            }
            else
            {
                Assert.True(Equals(e, a), $"{property.Name}: expected {e}, got {a}");
            }
        }
    }
}
