using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mbushja.Domain;

/// <summary>Writes <see cref="Money"/> as a JSON integer of cents, and reads one back (records stored as JSON keep <c>amountCents</c>).</summary>
public sealed class MoneyCentsJsonConverter : JsonConverter<Money>
{
    public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long cents)
            ? Money.FromCents(cents)
            : throw new JsonException("An amount is a whole number of cents.");

    public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value.Cents);
    }
}
