/*
 *  A hand-written stand-in for an older OpenMetadata dashboard utils file.
 */

import { cloneDeep } from 'lodash';
import { COMMON_UI_SCHEMA } from '../constants/Services.constant';
import {
  DashboardConnection,
  DashboardServiceType,
} from '../generated/entity/services/dashboardService';
import alphaConnection from '../jsons/connectionSchemas/connections/dashboard/alphaConnection.json';
import gammaConnection from '../jsons/connectionSchemas/connections/dashboard/gammaConnection.json';
import omegaConnection from '../jsons/connectionSchemas/connections/dashboard/omegaConnection.json';

// keep this comment "as is"
export const getDashboardURL = (config: DashboardConnection['config']) => {
  return config?.hostPort ?? "--";
};

export const getDashboardConfig = (type: DashboardServiceType) => {
  let schema = {};
  const uiSchema = { ...COMMON_UI_SCHEMA };
  switch (type) {
    case DashboardServiceType.Alpha: {
      schema = alphaConnection;

      break;
    }
    case DashboardServiceType.Gamma: {
      schema = gammaConnection;

      break;
    }

    case DashboardServiceType.Omega: {
      schema = omegaConnection;

      break;
    }
  }

  return cloneDeep({ schema, uiSchema });
};
