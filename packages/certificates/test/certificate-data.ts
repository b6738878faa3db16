import type { CertificateData } from '../src/index.ts';

/** One student's certificate as the course-end job fills it; tests override the fields they are about. */
export function certificateData(overrides: Partial<CertificateData> = {}): CertificateData {
  return {
    name: '欧阳<明>&',
    enterprise: '河北某某科技有限公司',
    programTitle: '2025年度中小企业经营管理领军人才培训',
    classNo: 3,
    start: '2025-07-22',
    end: '2025-07-25',
    location: '杭州',
    issuer: '工业和信息化部人才交流中心',
    issued: '2025-07-25',
    number: '2025-03-012',
    code: 'ABCD-EFGH-JKMN',
    verifyUrl: 'https://verify.example/?n=2025-03-012&c=ABCD-EFGH-JKMN',
    ...overrides,
  };
}
