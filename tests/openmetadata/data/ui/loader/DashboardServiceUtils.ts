/*
 *  A hand-written stand-in for a newer OpenMetadata dashboard utils file.
 */

import { loadConnectionSchema } from './loadConnectionSchema';
import { cloneDeep } from 'lodash';
import { COMMON_UI_SCHEMA } from '../constants/ServiceUISchema.constant';
import { DashboardServiceType } from '../generated/entity/services/dashboardService';

type SchemaLoader = () => Promise<Record<string, unknown>>;

const dashboardSchemaLoaders: Partial<
  Record<DashboardServiceType, SchemaLoader>
> = {
  [DashboardServiceType.Alpha]: () =>
    loadConnectionSchema('connections/dashboard/alphaConnection.json'),
  // a comment between entries
  [DashboardServiceType.Omega]: () =>
    loadConnectionSchema('connections/dashboard/omegaConnection.json'),
};

export const getDashboardConfig = async (type: DashboardServiceType) => {
  const loader = dashboardSchemaLoaders[type];
  let schema: Record<string, unknown> = {};
  if (loader) {
    schema = await loader();
  }

  return cloneDeep({ schema, uiSchema: { ...COMMON_UI_SCHEMA } });
};
