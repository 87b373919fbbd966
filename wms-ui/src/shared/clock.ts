/** The wall clock the screens' ages tick on: updated every second while someone holds it. */
import { ref } from 'vue';

export const clock = ref(Date.now());
let timer: number | null = null;
let holders = 0;

/** Starts the ticking; returns the function that releases it. */
export function holdClock(): () => void {
  holders += 1;
  clock.value = Date.now();
  timer ??= window.setInterval(() => {
    clock.value = Date.now();
  }, 1000);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0 && timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  };
}
