/** Times compare as HH:MM:SS: a manifest's "18:08" is the cabinet's 18:08:00. */
export function normaliseTime(time: string): string {
  return /^\d{2}:\d{2}$/.test(time) ? `${time}:00` : time;
}
