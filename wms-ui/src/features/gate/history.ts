/** The passage history (the form as typed, kept while the user visits other screens, and the last search's rows). */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Passage, PassageState } from '@cjp/contracts';
import { report } from '../../shared/notices';
import { gateApi, type PassageFilter } from './api';
import { isPassage, ms, normalised } from './passages';

export interface HistoryForm {
  vehicleNo: string;
  containerNo: string;
  passportNo: string;
  /** `datetime-local` values, site time */
  from: string;
  to: string;
  laneId: string;
  state: PassageState | '';
}
export const emptyHistoryForm = (): HistoryForm => ({ vehicleNo: '', containerNo: '', passportNo: '', from: '', to: '', laneId: '', state: '' });

export const useGateHistoryStore = defineStore('gate-history', () => {
  const form = ref<HistoryForm>(emptyHistoryForm());
  /** the filter of the last search */
  const filter = ref<PassageFilter | null>(null);
  const items = ref<Passage[]>([]);
  const searching = ref(false);
  const searched = ref(false);
  let searchAbort: AbortController | null = null;

  /** The history search; a newer search cancels the one still running. */
  async function search(f: PassageFilter): Promise<void> {
    searchAbort?.abort();
    const ctrl = new AbortController();
    searchAbort = ctrl;
    searching.value = true;
    filter.value = f;
    try {
      const res = await gateApi.passages(f, ctrl.signal);
      if (searchAbort !== ctrl) return;
      items.value = res.items.filter(isPassage).map(normalised);
      searched.value = true;
    } catch (err) {
      if (searchAbort === ctrl) report(err);
    } finally {
      if (searchAbort === ctrl) {
        searching.value = false;
        searchAbort = null;
      }
    }
  }

  /** A newer state of a passage replaces its row, if it has one. */
  function refresh(p: Passage): void {
    const i = items.value.findIndex((x) => x.id === p.id);
    if (i >= 0 && ms(items.value[i]?.updatedAt) <= ms(p.updatedAt)) items.value[i] = p;
  }

  /** Sign-out: cancel and forget. */
  function reset(): void {
    searchAbort?.abort();
    searchAbort = null;
    form.value = emptyHistoryForm();
    filter.value = null;
    items.value = [];
    searching.value = false;
    searched.value = false;
  }

  return { form, filter, items, searching, searched, search, refresh, reset };
});
