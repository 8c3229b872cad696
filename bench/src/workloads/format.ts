/** Number formats of the tables. */
export const perSecond = (value: number): string => Math.round(value).toLocaleString('en-US');
export const milliseconds = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(1));
export const kibibytes = (value: number): string => (value / 1024).toFixed(1);
export const mebibytes = (value: number): string => (value / 1048576).toFixed(0);
export const count = (value: number): string => Math.round(value).toLocaleString('en-US');
