// Types for the one function of asciichart that Loom uses.
declare module 'asciichart' {
  export function plot(
    series: number[] | number[][],
    config?: { height?: number; format?: (x: number) => string },
  ): string;
}
