using System.Globalization;

namespace Mbushja.Bench;

/// <summary>The machine's CPU time from <c>/proc/stat</c> (all cores), in clock ticks; zero where there is none.</summary>
internal readonly record struct CpuTimes(long Busy, long Total)
{
    public static CpuTimes Read()
    {
        try
        {
            string? line = File.ReadLines("/proc/stat").FirstOrDefault();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return default;
            }

            long[] v = [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(s => long.Parse(s, CultureInfo.InvariantCulture))];
            long idle = v[3] + v[4]; // idle + iowait
            long total = v.Sum();
            return new(total - idle, total);
        }
        catch (IOException)
        {
            return default;
        }
    }
}
