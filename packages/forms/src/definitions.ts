import type { FormName } from '@lingjun/rules';

/**
 * One declarative definition per form (spec §3). Templates, header matching, value normalisation, the
 * findings' field names and the annotated workbook are all derived from these; adding a field to a form is
 * a change here only.
 */

/** How a field's value is read and checked. */
export type FieldType =
  | 'text'
  | 'region'
  | 'sex'
  | 'ethnicity'
  | 'yearMonth'
  | 'politics'
  | 'education'
  | 'idNumber'
  | 'uscc'
  | 'enterpriseType'
  | 'phone'
  | 'mobile'
  | 'email'
  | 'integer'
  | 'number'
  | 'classNo'
  | 'date';

export interface FieldDef {
  /** Stable key used in records (never shown to people). */
  key: string;
  /** The label as printed on the form; also the field name in findings. */
  label: string;
  /** Other ways people head this column or label this cell. Compared after header normalisation. */
  aliases?: readonly string[];
  required: boolean;
  type: FieldType;
  /** Column width in a generated workbook, in characters. */
  width?: number;
  /** Short filling note printed in templates. */
  hint?: string;
}

export interface FormDef {
  name: FormName;
  /** Title as printed on the form (the year's title is prefixed where the template has one). */
  title: string;
  /** 'table': one record per row under a header; 'labelled': label cells followed by value cells. */
  layout: 'table' | 'labelled';
  fields: readonly FieldDef[];
}

export const FORM3: FormDef = {
  name: '附件3',
  title: '领军人才培训工作信息表',
  layout: 'table',
  fields: [
    {
      key: 'region',
      label: '地区',
      aliases: ['填报地区', '省份', '地区名称'],
      required: true,
      type: 'region',
      width: 14,
    },
    {
      key: 'unit',
      label: '单位名称',
      aliases: ['单位', '工作单位'],
      required: true,
      type: 'text',
      width: 30,
    },
    {
      key: 'department',
      label: '处室',
      aliases: ['部门', '处（科）室'],
      required: false,
      type: 'text',
      width: 14,
    },
    { key: 'contact', label: '联系人', aliases: ['姓名'], required: true, type: 'text', width: 10 },
    { key: 'position', label: '职务', required: false, type: 'text', width: 12 },
    {
      key: 'officePhone',
      label: '办公电话',
      aliases: ['座机', '固定电话'],
      required: false,
      type: 'phone',
      width: 16,
    },
    {
      key: 'mobile',
      label: '手机号码',
      aliases: ['手机', '移动电话', '手机号'],
      required: true,
      type: 'mobile',
      width: 16,
    },
    {
      key: 'email',
      label: '电子邮箱',
      aliases: ['邮箱', 'email', 'e-mail', '电子邮件'],
      required: true,
      type: 'email',
      width: 26,
    },
    { key: 'remark', label: '备注', required: false, type: 'text', width: 16 },
  ],
};

const STUDENT_CORE: readonly FieldDef[] = [
  { key: 'name', label: '姓名', aliases: ['学员姓名'], required: true, type: 'text', width: 10 },
  { key: 'sex', label: '性别', required: true, type: 'sex', width: 6 },
  { key: 'ethnicity', label: '民族', required: true, type: 'ethnicity', width: 8 },
  {
    key: 'birth',
    label: '出生年月',
    aliases: ['出生日期', '出生年月日'],
    required: true,
    type: 'yearMonth',
    width: 10,
  },
  { key: 'politics', label: '政治面貌', required: true, type: 'politics', width: 12 },
  {
    key: 'education',
    label: '学历',
    aliases: ['最高学历', '文化程度'],
    required: true,
    type: 'education',
    width: 10,
  },
  {
    key: 'idNumber',
    label: '身份证号码',
    aliases: ['身份证号', '身份证', '公民身份号码', '证件号码'],
    required: true,
    type: 'idNumber',
    width: 22,
  },
  {
    key: 'enterprise',
    label: '企业名称',
    aliases: ['单位名称', '工作单位', '企业全称'],
    required: true,
    type: 'text',
    width: 30,
  },
  {
    key: 'uscc',
    label: '统一社会信用代码',
    aliases: ['社会信用代码', '信用代码', '企业统一社会信用代码'],
    required: true,
    type: 'uscc',
    width: 22,
  },
  { key: 'title', label: '职务', aliases: ['现任职务', '职位'], required: true, type: 'text', width: 12 },
  {
    key: 'enterpriseType',
    label: '企业类型',
    aliases: ['企业类别'],
    required: true,
    type: 'enterpriseType',
    width: 24,
  },
  { key: 'industry', label: '所属行业', aliases: ['行业'], required: false, type: 'text', width: 14 },
];

export const FORM4: FormDef = {
  name: '附件4',
  title: '领军人才培训报名汇总表',
  layout: 'table',
  fields: [
    { key: 'seq', label: '序号', required: false, type: 'integer', width: 6 },
    ...STUDENT_CORE,
    {
      key: 'mobile',
      label: '手机号码',
      aliases: ['手机', '手机号', '联系电话', '移动电话'],
      required: true,
      type: 'mobile',
      width: 16,
    },
    {
      key: 'email',
      label: '电子邮箱',
      aliases: ['邮箱', 'email', 'e-mail', '电子邮件'],
      required: false,
      type: 'email',
      width: 24,
    },
    { key: 'remark', label: '备注', required: false, type: 'text', width: 16 },
  ],
};

export const FORM5: FormDef = {
  name: '附件5',
  title: '领军人才培训学员报名表',
  layout: 'labelled',
  fields: [
    ...STUDENT_CORE,
    { key: 'address', label: '企业地址', aliases: ['单位地址', '通讯地址'], required: false, type: 'text' },
    {
      key: 'founded',
      label: '成立时间',
      aliases: ['成立日期', '企业成立时间'],
      required: false,
      type: 'date',
    },
    {
      key: 'employees',
      label: '员工人数',
      aliases: ['职工人数', '从业人数', '企业员工人数'],
      required: true,
      type: 'integer',
    },
    {
      key: 'revenue',
      label: '上年度营业收入',
      aliases: ['上年度营业收入（万元）', '营业收入', '上年营业收入'],
      required: true,
      type: 'number',
      hint: '万元',
    },
    { key: 'mainBusiness', label: '主营业务', aliases: ['主营业务及产品'], required: false, type: 'text' },
    {
      key: 'mobile',
      label: '手机号码',
      aliases: ['手机', '手机号', '联系电话', '移动电话'],
      required: true,
      type: 'mobile',
    },
    {
      key: 'email',
      label: '电子邮箱',
      aliases: ['邮箱', 'email', 'e-mail', '电子邮件'],
      required: false,
      type: 'email',
    },
    {
      key: 'classNo',
      label: '培训期次',
      aliases: ['报名期次', '参训期次', '期次'],
      required: true,
      type: 'classNo',
    },
    { key: 'resume', label: '个人简历', aliases: ['个人简介', '简历'], required: false, type: 'text' },
    { key: 'profile', label: '企业简介', aliases: ['企业概况'], required: false, type: 'text' },
    { key: 'needs', label: '参训需求', aliases: ['培训需求', '学习需求'], required: false, type: 'text' },
  ],
};

export const FORMS: readonly FormDef[] = [FORM3, FORM4, FORM5];
