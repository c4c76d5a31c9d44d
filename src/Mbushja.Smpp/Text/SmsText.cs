using System.Text;
using Mbushja.Text;

namespace Mbushja.Smpp.Text;

/// <summary>How a data_coding's octets turn into text.</summary>
public enum TextCoding
{
    /// <summary>GSM 03.38 default alphabet (packed or not, as <see cref="SmppTextOptions.Gsm7Packed"/> says).</summary>
    Gsm7,

    /// <summary>IA5 / ASCII (data_coding 1).</summary>
    Ia5,

    /// <summary>ISO-8859-1 (data_coding 3): some SMPP stacks send Albanian ë this way.</summary>
    Latin1,

    /// <summary>UCS-2 big-endian, read as UTF-16BE so that surrogate pairs (emoji) come through.</summary>
    Ucs2,

    /// <summary>8-bit data, no text.</summary>
    Binary,

    /// <summary>An alphabet Mbushja does not read (JIS, Cyrillic ISO-8859-5, Hebrew, KS C 5601, compressed, reserved).</summary>
    Unsupported,
}

/// <summary>Text from data_coding and octets (SMPP v3.4 §5.2.19, 3GPP TS 23.038 §4). Never throws on input.</summary>
public static class SmsText
{
    public static TextCoding Classify(byte dataCoding) => dataCoding switch
    {
        DataCoding.SmscDefault => TextCoding.Gsm7,
        DataCoding.Ia5 => TextCoding.Ia5,
        DataCoding.Binary or DataCoding.Binary2 => TextCoding.Binary,
        DataCoding.Latin1 => TextCoding.Latin1,
        DataCoding.Ucs2 => TextCoding.Ucs2,
        < 0x10 => TextCoding.Unsupported,

        // 00xx/01xx general data coding: bit 5 compressed, bits 3..2 the alphabet.
        < 0x80 when (dataCoding & 0x20) != 0 => TextCoding.Unsupported,
        < 0x80 => ((dataCoding >> 2) & 0b11) switch { 0 => TextCoding.Gsm7, 1 => TextCoding.Binary, 2 => TextCoding.Ucs2, _ => TextCoding.Unsupported },
        < 0xC0 => TextCoding.Unsupported,

        // 1100/1101 message waiting, GSM-7; 1110 message waiting, UCS-2; 1111 bit 2 picks GSM-7 or 8-bit.
        < 0xE0 => TextCoding.Gsm7,
        < 0xF0 => TextCoding.Ucs2,
        _ => (dataCoding & 0b100) == 0 ? TextCoding.Gsm7 : TextCoding.Binary,
    };

    /// <summary>
    /// The text of <paramref name="units"/>: unpacked septets for GSM-7, the octets themselves for the others.
    /// Undecodable octets become U+FFFD (UCS-2) or '?' (IA5 above 0x7F); binary and unsupported codings give "".
    /// </summary>
    public static string Decode(TextCoding coding, ReadOnlySpan<byte> units) => coding switch
    {
        TextCoding.Gsm7 => Gsm7.Decode(units),
        TextCoding.Ia5 => Encoding.ASCII.GetString(units),
        TextCoding.Latin1 => Encoding.Latin1.GetString(units),
        TextCoding.Ucs2 => Encoding.BigEndianUnicode.GetString(units),
        _ => string.Empty,
    };
}
