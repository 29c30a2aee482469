// A figure's size for the width its container gives it: the page's and the elements' figures alike.

const WIDTH = 460;
const HEIGHT = 320;

/** Width and height for a container `available` px wide: full width on a phone, at most `max` px (460). */
export function figureSize(available, max = WIDTH) {
  const width = Math.round(Math.max(280, Math.min(max, available || WIDTH)));
  return { width, height: Math.round(width * (HEIGHT / WIDTH)) };
}
